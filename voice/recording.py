"""Voice notes: record up to 60 s from an AudioSource (microphone, or a WAV file in tests), check it,
compress it to Ogg/Opus in memory, and — where a speech model for the locale is installed —
transcribe it locally. No Qt.

Privacy: the audio never touches the disk here. PCM is kept in memory, encoded through an in-memory
buffer (libsndfile virtual I/O, no temp file), and the caller stores the Ogg bytes inside the
request's encrypted fields (`note_field`), so the request's record key covers it and retention
shreds it with the request. Log lines carry durations and sizes only, never audio or transcript.
"""

from __future__ import annotations

import base64
import io
import logging
import math
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice.audio import AudioSource, AudioUnavailable
from voice.playback import write_blocks

log = logging.getLogger(__name__)

LIMIT_SECONDS = 60.0
MIN_SECONDS = 0.6  # shorter than this is a slip of the finger, not a note
SILENCE_DBFS = -45.0  # loudest 0.1 s block below this: the microphone heard nothing
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
NOTE_RATE = 16000  # speech needs no more; Opus "wideband"
# libsndfile maps 0.0–1.0 linearly onto Opus bitrates ≈ 256 → 6 kbit/s; 0.95 gives ≈ 19 kbit/s, clear
# wideband speech at ≈ 140 KiB a minute (the default, ≈ 28 kbit/s, buys nothing audible for a voice).
COMPRESSION_LEVEL = 0.95
MEDIA_TYPE = "audio/ogg"

Progress = Callable[[float, float], None]  # (level 0–1, seconds so far)


class NoteError(RuntimeError):
    """A recording that cannot be used; `key` names the kind message (note.<key>)."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(detail or key)
        self.key = key


@dataclass(frozen=True)
class Recording:
    pcm: bytes  # int16 mono little-endian
    sample_rate: int
    hit_limit: bool  # recording stopped at LIMIT_SECONDS

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate if self.sample_rate else 0.0


def level_of(chunk: bytes) -> float:
    """RMS of an int16 block as 0–1 on a dB scale (−60 dBFS → 0, 0 dBFS → 1), for the level meter."""
    db = dbfs(chunk)
    return max(0.0, min(1.0, (db + 60.0) / 60.0))


def dbfs(chunk: bytes) -> float:
    samples = array("h", chunk[: len(chunk) - len(chunk) % 2])
    if not samples:
        return -120.0
    rms = math.sqrt(sum(s * s for s in samples) / len(samples))
    return 20 * math.log10(rms / 32768) if rms > 0 else -120.0


class NoteRecorder:
    """Pulls chunks from `source` until `stop()`, the source ends, or the 60 s limit.

    `run()` blocks: call it on a worker thread. `progress(level, seconds)` is called from that thread
    for every chunk (about ten times a second); `stop()` may be called from any thread.
    """

    def __init__(
        self,
        source: AudioSource,
        *,
        limit: float = LIMIT_SECONDS,
        progress: Progress | None = None,
        realtime: bool = False,
    ) -> None:
        self.source = source
        self.limit = limit
        self.progress = progress
        self.realtime = realtime  # pace a file source like a microphone (demos, UI tests)
        self._stop = threading.Event()
        self.loudest = -120.0

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> Recording:
        rate = self.source.sample_rate
        limit_bytes = int(self.limit * rate) * 2
        parts: list[bytes] = []
        size = 0
        hit_limit = False
        started = time.monotonic()
        try:
            for chunk in self.source.chunks():
                if self._stop.is_set():
                    break
                chunk = chunk[: limit_bytes - size]
                parts.append(chunk)
                size += len(chunk)
                self.loudest = max(self.loudest, dbfs(chunk))
                if self.progress is not None:
                    self.progress(level_of(chunk), size / 2 / rate)
                if size >= limit_bytes:
                    hit_limit = True
                    break
                if self.realtime:
                    ahead = size / 2 / rate - (time.monotonic() - started)
                    if ahead > 0 and self._stop.wait(ahead):
                        break
        except AudioUnavailable:
            raise NoteError("no_mic") from None
        finally:
            self.source.close()
        recording = Recording(b"".join(parts), rate, hit_limit)
        log.info("voice note recorded: %.1f s, limit reached: %s", recording.seconds, hit_limit)
        return recording


def check(recording: Recording, loudest_dbfs: float | None = None) -> None:
    """Raise NoteError("too_short" | "silent") for a recording that holds no usable speech."""
    if recording.seconds < MIN_SECONDS:
        raise NoteError("too_short")
    loudest = loudest_dbfs
    if loudest is None:
        block = max(2, int(recording.sample_rate * 0.1) * 2)
        loudest = max(dbfs(recording.pcm[i : i + block]) for i in range(0, len(recording.pcm), block))
    if loudest < SILENCE_DBFS:
        raise NoteError("silent")


def _resample(pcm: bytes, rate: int, target: int) -> bytes:
    """Linear resampling (speech only needs to stay intelligible; this runs once per note)."""
    import numpy as np

    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    if not len(samples):
        return b""
    n = max(1, round(len(samples) * target / rate))
    x = np.linspace(0, len(samples) - 1, n)
    return np.interp(x, np.arange(len(samples)), samples).astype("<i2").tobytes()


def encode_opus(pcm: bytes, rate: int) -> bytes:
    """Ogg/Opus bytes, made in memory (no temp file). Any input rate; stored at 16 kHz."""
    import numpy as np
    import soundfile as sf

    if rate != NOTE_RATE:
        pcm, rate = _resample(pcm, rate, NOTE_RATE), NOTE_RATE
    buffer = io.BytesIO()
    with sf.SoundFile(
        buffer,
        "w",
        samplerate=rate,
        channels=1,
        format="OGG",
        subtype="OPUS",
        compression_level=COMPRESSION_LEVEL,
    ) as out:
        out.write(np.frombuffer(pcm, dtype="<i2"))
    return buffer.getvalue()


def decode_opus(data: bytes) -> tuple[bytes, int]:
    """(int16 mono PCM, rate) of an Ogg/Opus note, for playback on the kiosk."""
    import soundfile as sf

    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="int16", always_2d=False)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise NoteError("failed", f"not a voice note: {exc}") from None
    if getattr(samples, "ndim", 1) > 1:
        samples = samples.mean(axis=1).astype("int16")
    return bytes(samples.tobytes()), int(rate)


def transcribe(pcm: bytes, rate: int, locale: str, models_dir: Path | str | None = None) -> str | None:
    """Free dictation of the note with the locale's Vosk model; None when no model is installed.

    Blocks (the model loads once per process): call it off the UI thread.
    """
    from voice.models import ModelMissing, load_model, locate_model

    try:
        loaded = load_model(locate_model(locale, models_dir))
    except ModelMissing:
        return None
    import json

    import vosk

    recognizer: Any = vosk.KaldiRecognizer(loaded.model, rate)
    step = rate // 5 * 2
    for i in range(0, len(pcm), step):
        recognizer.AcceptWaveform(pcm[i : i + step])
    text = str(json.loads(recognizer.FinalResult()).get("text", ""))
    if locale.startswith("zh"):
        text = text.replace(" ", "")  # Vosk spaces Chinese words apart
    return text.strip()


def note_field(ogg: bytes, seconds: float, transcript: str | None) -> dict[str, Any]:
    """The value a text step stores for its note, inside the request's encrypted fields. The outbox
    detaches `ogg_base64` into a sealed attachment exactly as it does a photo's `jpeg_base64`."""
    value: dict[str, Any] = {
        "ogg_base64": base64.b64encode(ogg).decode("ascii"),
        "seconds": round(seconds, 1),
        "media_type": MEDIA_TYPE,
    }
    if transcript:
        value["transcript"] = transcript
        value["transcript_auto"] = True
    return value


def play_pcm(pcm: bytes, rate: int, stop: threading.Event) -> bool:
    """Play a note from memory (never via a temp file); True when it played to the end.

    Without an output device it waits out the note's length, so the UI behaves the same.
    """
    block = int(rate * 0.05) * 2
    try:
        import sounddevice as sd

        sd.query_devices(None, "output")
        with sd.RawOutputStream(samplerate=rate, channels=1, dtype="int16") as out:
            return write_blocks(out, pcm, block, stop)
    except Exception:  # no PortAudio or no speaker: keep the timing, stay silent  # noqa: BLE001
        return not stop.wait(len(pcm) / 2 / rate if rate else 0.0)
