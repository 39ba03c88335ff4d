"""The local chime of a help call (assets/sounds/chime.wav), played with QtMultimedia when an audio
output exists; counted either way so tests and volunteers can see it was sounded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl

CHIME = Path(__file__).resolve().parent.parent / "assets" / "sounds" / "chime.wav"


class Chime:
    def __init__(self) -> None:
        self.played = 0
        self._effect: Any = None

    def play(self, volume: float = 1.0) -> None:
        self.played += 1
        try:
            if self._effect is None:
                from PySide6.QtMultimedia import QMediaDevices, QSoundEffect

                if not QMediaDevices.audioOutputs():
                    return
                self._effect = QSoundEffect()
                self._effect.setSource(QUrl.fromLocalFile(str(CHIME)))
            self._effect.setVolume(volume)
            self._effect.play()
        except Exception:  # no audio backend: the screen still says help is coming  # noqa: BLE001
            self._effect = None


CHIME_PLAYER = Chime()
