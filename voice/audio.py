"""Audio sources: a WAV file and the microphone, both yielding 16-bit mono PCM chunks.

Every source has the same shape (`AudioSource`): a `sample_rate` and an iterator of `bytes` chunks of
little-endian int16 mono samples, about 0.1 s each. The recognizer is created with the source's rate,
so a microphone that cannot do 16 kHz still works (Vosk resamples).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import wave
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

SAMPLE_RATE = 16000
CHUNK_SECONDS = 0.1


class AudioUnavailable(RuntimeError):
    """No microphone (or no audio system); the message says why."""


class AudioSource(Protocol):
    sample_rate: int

    def chunks(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


def to_mono_int16(frames: bytes, channels: int, sample_width: int) -> bytes:
    """Mix interleaved PCM down to mono int16 (8-bit unsigned, 16- and 32-bit signed input)."""
    if sample_width == 2:
        samples = array("h", frames)
    elif sample_width == 1:
        samples = array("h", ((b - 128) << 8 for b in frames))
    elif sample_width == 4:
        wide = array("i", frames)
        samples = array("h", (s >> 16 for s in wide))
    else:
        raise ValueError(f"unsupported sample width {sample_width}")
    if channels == 1:
        return samples.tobytes()
    mono = array("h", (sum(samples[i : i + channels]) // channels for i in range(0, len(samples), channels)))
    return mono.tobytes()


class WavFileSource:
    """A WAV file played as if it came from the microphone (any rate; mixed to mono int16)."""

    def __init__(self, path: Path | str, chunk_seconds: float = CHUNK_SECONDS) -> None:
        self.path = Path(path)
        try:
            with wave.open(str(self.path), "rb") as wav:
                self.sample_rate = wav.getframerate()
                self._channels = wav.getnchannels()
                self._width = wav.getsampwidth()
                self.frames = wav.getnframes()
        except (wave.Error, EOFError) as exc:
            raise ValueError(f"{self.path.name}: not a PCM WAV file ({exc})") from None
        self._chunk_frames = max(1, int(self.sample_rate * chunk_seconds))

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0

    def chunks(self) -> Iterator[bytes]:
        with wave.open(str(self.path), "rb") as wav:
            while True:
                frames = wav.readframes(self._chunk_frames)
                if not frames:
                    return
                yield to_mono_int16(frames, self._channels, self._width)

    def close(self) -> None:
        """Nothing to release: the file is opened per iteration."""


class MicrophoneSource:
    """The default input device through `sounddevice`, 16 kHz if the device allows it."""

    def __init__(self, device: int | str | None = None, chunk_seconds: float = CHUNK_SECONDS) -> None:
        try:
            import sounddevice as sd
        except (ImportError, OSError) as exc:  # PortAudio missing
            raise AudioUnavailable(f"audio system unavailable: {exc}") from None
        self._sd: Any = sd
        try:
            info = sd.query_devices(device, "input")
        except (ValueError, sd.PortAudioError) as exc:
            raise AudioUnavailable(f"no microphone found ({exc})") from None
        self.sample_rate = SAMPLE_RATE
        try:
            sd.check_input_settings(device=device, samplerate=SAMPLE_RATE, channels=1, dtype="int16")
        except (ValueError, sd.PortAudioError):
            self.sample_rate = int(info["default_samplerate"])
        self._device = device
        self._blocksize = int(self.sample_rate * chunk_seconds)
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=100)
        self._stream: Any = None
        self._closed = threading.Event()

    def _callback(self, indata: Any, frames: int, time: Any, status: Any) -> None:
        del frames, time, status
        # the consumer fell behind: drop audio rather than grow without bound
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(bytes(indata))

    def chunks(self) -> Iterator[bytes]:
        try:
            self._stream = self._sd.RawInputStream(
                samplerate=self.sample_rate,
                blocksize=self._blocksize,
                device=self._device,
                channels=1,
                dtype="int16",
                callback=self._callback,
            )
            self._stream.start()
        except (ValueError, self._sd.PortAudioError) as exc:
            raise AudioUnavailable(f"cannot open the microphone ({exc})") from None
        while not self._closed.is_set():
            try:
                chunk = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if chunk is None:
                break
            yield chunk

    def close(self) -> None:
        self._closed.set()
        self._queue.put(None)
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
