"""The Qt adapter: a WAV played into the voice input arrives as signals on the UI thread, and
speaking never blocks the UI thread."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QThread, QTimer
from pytestqt.qtbot import QtBot

from ui.voice_bridge import VoiceBridge
from voice.controller import VoiceController
from voice.models import LoadedModel
from voice.playback import PacedPlayer
from voice.tts import PromptCache, Speaker


def test_wav_into_voice_input_emits_intent_on_ui_thread(
    qtbot: QtBot, ko_model: LoadedModel, speak_ko: Callable[[str], Path]
) -> None:
    bridge = VoiceBridge(controller=VoiceController())
    bridge.set_screen("home", "ko")
    assert bridge.controller.wait_ready(30)
    threads: list[QThread] = []
    heard: list[str] = []

    def record(intent: str, *_: object) -> None:
        threads.append(QThread.currentThread())
        heard.append(intent)

    # a fresh recognizer may still ask once ("새 소식, 맞으세요?"); either way the screen learns "notices"
    bridge.intentRecognized.connect(record)
    bridge.confirmRequested.connect(record)
    bridge.play_wav(speak_ko("새 소식"))
    qtbot.waitUntil(lambda: bool(heard), timeout=10_000)
    assert heard == ["notices"]
    assert threads == [bridge.thread()]
    bridge.close()


def test_speaking_never_blocks_the_ui_thread(qtbot: QtBot, tmp_path: Path) -> None:
    speaker = Speaker(cache=PromptCache(tmp_path), player=PacedPlayer())
    bridge = VoiceBridge(controller=VoiceController(speaker=speaker))
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(20)
    bridge.say("您好，欢迎使用便民驿站。请问您要办理什么事情？我们可以帮您查询养老金、申请补贴、开具证明。")
    qtbot.wait(1500)
    timer.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) > 40 and max(gaps) < 0.5  # the event loop kept running while speech rendered and played
    bridge.stop_speaking()
    bridge.close()
