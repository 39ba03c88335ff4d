"""Spoken personal text (names, replies, summaries) is rendered to a RAM scratch file and deleted
after playing; only explicitly pre-rendered fixed prompts stay in the on-disk cache."""

from __future__ import annotations

import threading
from pathlib import Path

from voice.playback import read_pcm
from voice.tts import PromptCache, Speaker


class RecordingPlayer:
    """Plays nothing; remembers which files it was given and that they held real audio."""

    def __init__(self) -> None:
        self.played: list[tuple[Path, int]] = []

    def play(self, wav: Path, stop: threading.Event, volume: float = 1.0) -> bool:
        pcm, _rate = read_pcm(wav)
        self.played.append((wav, len(pcm)))
        return True


def test_personal_text_never_stays_on_disk(tmp_path: Path) -> None:
    cache = PromptCache(tmp_path / "cache")
    player = RecordingPlayer()
    speaker = Speaker(cache=cache, player=player)
    try:
        speaker.prerender("请点一下要办的事", "zh_CN")
        speaker.say("王秀英，您反映的路灯问题已经修好了", "zh_CN")
        assert speaker.wait_idle(30)
        speaker.say("请点一下要办的事", "zh_CN")
        assert speaker.wait_idle(30)
    finally:
        speaker.close()
    assert not speaker._scratch.exists()  # the private scratch folder goes with the speaker
    (personal, personal_len), (fixed, fixed_len) = player.played
    assert personal_len > 16000 and fixed_len > 8000  # both really were rendered speech
    assert not personal.exists(), "a one-off rendering of personal text was left behind"
    assert cache.directory not in personal.parents
    assert fixed.parent == cache.directory and fixed.exists()
    assert [p.name for p in cache.directory.iterdir()] == [fixed.name]
