"""Spoken prompts: per-locale rendering, stopping fast, never blocking, half-duplex, no ID numbers."""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path

import pytest

from voice.guard import mask_sensitive
from voice.playback import PacedPlayer, write_blocks
from voice.tts import HalfDuplexGate, PromptCache, Speaker, TtsSettings

PROMPTS = {
    "zh_CN": "欢迎来到便民驿站，请说出您要办理的事情",
    "en": "Welcome to the service station. Please say what you need.",
    "ko": "편의 서비스 센터에 오신 것을 환영합니다",
    "yue": "歡迎嚟到便民驛站",
    "hak": "歡迎來到便民驛站",
}


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> PromptCache:
    return PromptCache(tmp_path_factory.mktemp("tts"))


def duration(path: Path) -> float:
    with wave.open(str(path)) as f:
        return f.getnframes() / f.getframerate()


@pytest.mark.parametrize("locale", list(PROMPTS))
def test_prompt_renders_plausible_wav(cache: PromptCache, locale: str) -> None:
    settings = TtsSettings()
    path = cache.render(PROMPTS[locale], settings.voice(locale), settings.rate(locale))
    assert 1.0 < duration(path) < 15.0
    assert cache.render(PROMPTS[locale], settings.voice(locale), settings.rate(locale)) == path  # cached


def test_long_prompt_stops_within_200_ms(cache: PromptCache) -> None:
    speaker = Speaker(cache=cache, player=PacedPlayer(), gate=HalfDuplexGate(hold_off=0.3))
    long_text = "请您注意，" + "今天社区有体检服务，欢迎大家参加。" * 8
    speaker.prerender(long_text, "zh_CN")
    speaker.say(long_text, "zh_CN")
    deadline = time.monotonic() + 5
    while speaker.gate.mic_open() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not speaker.gate.mic_open()  # speaking: the microphone is ignored
    started = time.perf_counter()
    speaker.stop()
    assert speaker.wait_idle(2.0)
    assert time.perf_counter() - started < 0.2
    assert not speaker.gate.mic_open()  # hold-off after speech
    time.sleep(0.35)
    assert speaker.gate.mic_open()
    speaker.close()


def test_say_never_blocks_the_caller(cache: PromptCache) -> None:
    speaker = Speaker(cache=cache, player=PacedPlayer())
    started = time.perf_counter()
    speaker.say("这是一段还没有缓存的新提示，" + str(time.time()), "zh_CN")
    assert time.perf_counter() - started < 0.05
    speaker.close()


def test_gate_reopen_callback() -> None:
    gate = HalfDuplexGate(hold_off=0.05)
    reopened = threading.Event()
    gate.on_reopen = reopened.set
    gate.speaking(True)
    assert not gate.mic_open()
    gate.speaking(False)
    time.sleep(0.08)
    assert gate.mic_open() and reopened.is_set()


@pytest.mark.parametrize(
    ("text", "locale", "leaked"),
    [
        ("您的身份证号是320102199001011234，请核对", "zh_CN", "320102199001011234"),
        ("身份证 32010219900101123X", "zh_CN", "32010219900101123"),
        ("号码 320 102 1990 0101 1234", "zh_CN", "1990"),
        ("密码是 1234", "zh_CN", "1234"),
        ("Your PIN: 4321", "en", "4321"),
        ("一二三四五六七八", "zh_CN", "一二三四五六"),
        ("비밀번호 987654", "ko", "987654"),
    ],
)
def test_id_numbers_and_pins_are_never_spoken(text: str, locale: str, leaked: str) -> None:
    assert leaked not in mask_sensitive(text, locale)


def test_short_numbers_are_still_spoken() -> None:
    assert mask_sensitive("回执号 A07-0012，电话 12345", "zh_CN") == "回执号 A07-0012，电话 12345"


def test_rate_and_volume_settings() -> None:
    settings = TtsSettings(volume=0.6)
    assert settings.louder().volume == pytest.approx(0.8)
    assert settings.slower("zh_CN").rate("zh_CN") < settings.rate("zh_CN")
    assert (
        settings.voice("yue") == "yue" and settings.voice("ko") == "ko" and settings.voice("zh_CN") == "cmn"
    )


def test_blocks_go_out_in_order_and_stop_aborts_the_stream() -> None:
    class Stream:
        def __init__(self, stop_after: int | None = None) -> None:
            self.written: list[bytes] = []
            self.aborted = False
            self.stop = threading.Event()
            self.stop_after = stop_after

        def write(self, data: bytes) -> None:
            self.written.append(data)
            if len(self.written) == self.stop_after:
                self.stop.set()  # as the UI's 停止 would, mid-note

        def abort(self) -> None:
            self.aborted = True

    pcm = bytes(range(250))
    whole = Stream()
    assert write_blocks(whole, pcm, 100, whole.stop) is True
    assert whole.written == [pcm[:100], pcm[100:200], pcm[200:]] and not whole.aborted
    cut = Stream(stop_after=2)
    assert write_blocks(cut, pcm, 100, cut.stop) is False
    assert cut.written == [pcm[:100], pcm[100:200]] and cut.aborted
