"""Endpointer (voice activity detection) so a resident just speaks: energy over 20 ms frames against
an adaptive noise floor, with pre-roll, hang-over and limits. Push-to-talk forces a segment open.

`Endpointer.process(chunk)` returns events in order: `("start", preroll_audio)`, `("audio", pcm)`
while speech lasts, `("end", b"")` when it ends. Stationary noise raises the floor instead of
triggering; bursts shorter than `min_speech` are discarded (`("cancel", b"")`).
"""

from __future__ import annotations

import math
import statistics
from array import array
from collections import deque
from dataclasses import dataclass

Event = tuple[str, bytes]
FRAME_SECONDS = 0.02


@dataclass(frozen=True)
class EndpointerConfig:
    threshold_db: float = 10.0  # above the noise floor
    min_level_db: float = -48.0  # dBFS; quieter is never speech
    start_frames: int = 3  # 60 ms of speech opens a segment
    hangover: float = 0.45  # s of quiet that closes it
    preroll: float = 0.3
    min_speech: float = 0.15
    max_utterance: float = 10.0
    calibration: float = 0.2  # s at the start used only to learn the floor
    min_modulation_db: float = 3.0  # speech rises and falls; a steadier "utterance" is noise (fan, TV hiss)


def frame_db(frame: bytes) -> float:
    samples = array("h", frame)
    if not samples:
        return -100.0
    mean_square = sum(s * s for s in samples) / len(samples)
    return 10.0 * math.log10(mean_square / (32768.0 * 32768.0) + 1e-12)


class Endpointer:
    def __init__(self, sample_rate: int, config: EndpointerConfig | None = None) -> None:
        self.config = config or EndpointerConfig()
        self.sample_rate = sample_rate
        self._frame_bytes = max(2, int(sample_rate * FRAME_SECONDS)) * 2
        self.reset()

    def reset(self) -> None:
        c = self.config
        self._buffer = b""
        self._preroll: deque[bytes] = deque(maxlen=max(1, int(c.preroll / FRAME_SECONDS)))
        self._noise_db: float | None = None
        self._frames_seen = 0
        self._loud_run = 0
        self._quiet_run = 0
        self._speech_frames = 0
        self._segment_frames = 0
        self.in_speech = False
        self._forced = False
        self._levels: list[float] = []

    @property
    def noise_db(self) -> float:
        return self._noise_db if self._noise_db is not None else self.config.min_level_db

    def push_to_talk(self, pressed: bool) -> list[Event]:
        """Pressed: open a segment now; released: close it (the endpointer's own rules are bypassed)."""
        if pressed and not self.in_speech:
            self._forced = True
            return self._open()
        if not pressed and self._forced:
            events = self._close()
            self._forced = False
            return events
        return []

    def _open(self) -> list[Event]:
        self.in_speech = True
        self._quiet_run = 0
        self._speech_frames = 0
        self._segment_frames = 0
        self._levels = []
        audio = b"".join(self._preroll)
        self._preroll.clear()
        return [("start", audio)]

    def _close(self) -> list[Event]:
        self.in_speech = False
        self._loud_run = 0
        if self._forced:
            return [("end", b"")]
        long_enough = self._speech_frames * FRAME_SECONDS >= self.config.min_speech
        levels = self._levels
        if levels and statistics.pstdev(levels) < self.config.min_modulation_db:
            self._noise_db = statistics.fmean(levels)  # steady noise: it becomes the new floor
            return [("cancel", b"")]
        return [("end" if long_enough else "cancel", b"")]

    def _learn_floor(self, db: float) -> None:
        if self._noise_db is None:
            self._noise_db = db
        elif db < self._noise_db:
            self._noise_db = 0.7 * self._noise_db + 0.3 * db  # falls fast
        else:
            self._noise_db = 0.98 * self._noise_db + 0.02 * db  # rises slowly (steady noise)

    def process(self, chunk: bytes) -> list[Event]:
        events: list[Event] = []
        self._buffer += chunk
        c = self.config
        while len(self._buffer) >= self._frame_bytes:
            frame, self._buffer = self._buffer[: self._frame_bytes], self._buffer[self._frame_bytes :]
            db = frame_db(frame)
            self._frames_seen += 1
            loud = db > max(self.noise_db + c.threshold_db, c.min_level_db)
            if self._frames_seen * FRAME_SECONDS <= c.calibration and not self._forced:
                self._learn_floor(db)
                self._preroll.append(frame)
                continue
            if not self.in_speech:
                self._preroll.append(frame)
                self._loud_run = self._loud_run + 1 if loud else 0
                if not loud:
                    self._learn_floor(db)
                if self._loud_run >= c.start_frames:
                    events.extend(self._open())
                    self._speech_frames = self._loud_run
                continue
            events.append(("audio", frame))
            self._segment_frames += 1
            self._levels.append(db)
            if loud:
                self._speech_frames += 1
                self._quiet_run = 0
            else:
                self._quiet_run += 1
            if self._forced:
                continue
            if (
                self._quiet_run * FRAME_SECONDS >= c.hangover
                or self._segment_frames * FRAME_SECONDS >= c.max_utterance
            ):
                events.extend(self._close())
        return events

    def flush(self) -> list[Event]:
        """End of stream: close an open segment."""
        if self.in_speech:
            self._forced = False
            return self._close()
        return []
