"""Playing a rendered prompt so it can stop within a frame: 20 ms blocks, a stop flag checked per block.

`SoundDevicePlayer` writes to the default output; `PacedPlayer` keeps real-time pacing without a
sound card (no speaker attached, CI), so half-duplex timing and stopping behave the same.
"""

from __future__ import annotations

import threading
import time
import wave
from array import array
from pathlib import Path
from typing import Any, Protocol

BLOCK_SECONDS = 0.02


class Player(Protocol):
    def play(self, wav: Path, stop: threading.Event, volume: float = 1.0) -> bool:
        """Play until done (True) or until `stop` is set (False)."""
        ...


def read_pcm(wav: Path) -> tuple[bytes, int]:
    with wave.open(str(wav), "rb") as f:
        if f.getsampwidth() != 2 or f.getnchannels() != 1:
            raise ValueError(f"{wav.name}: expected 16-bit mono")
        return f.readframes(f.getnframes()), f.getframerate()


def scale(pcm: bytes, volume: float) -> bytes:
    if abs(volume - 1.0) < 1e-3:
        return pcm
    samples = array("h", pcm)
    return array("h", (max(-32768, min(32767, int(s * volume))) for s in samples)).tobytes()


class PacedPlayer:
    """No audio device: wait out the prompt's duration in blocks (stoppable)."""

    def play(self, wav: Path, stop: threading.Event, volume: float = 1.0) -> bool:
        pcm, rate = read_pcm(wav)
        deadline = time.monotonic() + len(pcm) / 2 / rate
        while time.monotonic() < deadline:
            if stop.wait(min(BLOCK_SECONDS, max(0.0, deadline - time.monotonic()))):
                return False
        return True


class SoundDevicePlayer:
    def __init__(self) -> None:
        import sounddevice as sd

        sd.query_devices(None, "output")  # raises when there is no output device
        self._sd: Any = sd

    def play(self, wav: Path, stop: threading.Event, volume: float = 1.0) -> bool:
        pcm, rate = read_pcm(wav)
        pcm = scale(pcm, volume)
        block = int(rate * BLOCK_SECONDS) * 2
        with self._sd.RawOutputStream(
            samplerate=rate, channels=1, dtype="int16", blocksize=block // 2
        ) as out:
            return write_blocks(out, pcm, block, stop)


def write_blocks(out: Any, pcm: bytes, block: int, stop: threading.Event) -> bool:
    """Write `pcm` to an open output stream `block` bytes at a time; abort the stream and return
    False as soon as `stop` is set, True when all of it was written."""
    for i in range(0, len(pcm), block):
        if stop.is_set():
            out.abort()
            return False
        out.write(pcm[i : i + block])
    return True


def default_player() -> Player:
    try:
        return SoundDevicePlayer()
    except Exception:  # no PortAudio or no output device: keep timing, stay silent  # noqa: BLE001
        return PacedPlayer()
