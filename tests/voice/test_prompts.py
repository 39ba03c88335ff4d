"""Resident prompts are short and slow by default; 慢一点 and 大声一点 still make the next prompts slower
and louder; a greeting gets a spoken hint of what can be said."""

from __future__ import annotations

import threading
from pathlib import Path

from models.settings import SPECS
from voice.controller import VoiceCallbacks, VoiceController
from voice.messages import MESSAGES
from voice.recognizer import Utterance
from voice.tts import Speaker, TtsSettings


class SilentPlayer:
    def play(self, wav: Path, stop: threading.Event, volume: float = 1.0) -> bool:
        del wav, stop, volume
        return True


def test_prompts_are_slow_and_short_by_default() -> None:
    assert TtsSettings().rate("zh_CN") <= 140 and TtsSettings().rate("ko") <= 140
    assert SPECS["tts_rate"].default <= 140  # the station setting the kiosk starts from
    for key in ("ready", "not_understood", "confirm", "confirm_command", "cancelled", "hint"):
        assert len(MESSAGES[key]["zh_CN"]) <= 36, key  # one breath


def test_slower_and_louder_still_work_and_a_greeting_gets_a_hint(tmp_path: Path) -> None:
    hints: list[str] = []
    speaker = Speaker(TtsSettings(volume=0.6), player=SilentPlayer())
    controller = VoiceController(
        VoiceCallbacks(hint=hints.append), models_dir=tmp_path, speaker=speaker, speak_feedback=False
    )
    try:
        controller.set_screen("home", "zh_CN")  # no Mandarin model here: the matcher still works
        before = speaker.settings
        controller._on_utterance(Utterance("慢 一点", ["慢 一点"]))  # what the recogniser thread calls
        assert speaker.settings.rate("zh_CN") < before.rate("zh_CN")
        controller._on_utterance(Utterance("大声 一点", ["大声 一点"]))
        assert speaker.settings.volume > before.volume
        controller._on_utterance(Utterance("你好", ["你好"]))
        assert hints == [MESSAGES["hint"]["zh_CN"]]
        controller.new_resident()  # the next resident starts slow and at the station volume again
        assert speaker.settings.rate("zh_CN") == TtsSettings().rate("zh_CN")
    finally:
        controller.close()
