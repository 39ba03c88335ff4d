"""Voice notes through the real recording path (voice.recording with a WAV file as the microphone):
the 60 s limit, silence, a missing microphone, Ogg/Opus in memory, and local transcription."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.voice import note_audio
from voice.audio import AudioUnavailable, WavFileSource
from voice.recording import (
    LIMIT_SECONDS,
    NoteError,
    NoteRecorder,
    Recording,
    check,
    decode_opus,
    encode_opus,
    note_field,
    transcribe,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("notes")


def record(path: Path) -> tuple[Recording, NoteRecorder, list[tuple[float, float]]]:
    seen: list[tuple[float, float]] = []
    recorder = NoteRecorder(WavFileSource(path), progress=lambda level, s: seen.append((level, s)))
    return recorder.run(), recorder, seen


def test_speech_is_recorded_whole_with_level_and_seconds(folder: Path) -> None:
    wav = note_audio.speech(folder)
    recording, recorder, seen = record(wav)
    assert abs(recording.seconds - note_audio.duration(wav)) < 0.11
    assert not recording.hit_limit
    assert seen[-1][1] == pytest.approx(recording.seconds)
    assert (
        max(level for level, _ in seen) > 0.4 and min(level for level, _ in seen) < 0.3
    )  # speech and pauses
    check(recording, recorder.loudest)  # usable: no NoteError


def test_recording_stops_at_sixty_seconds_and_keeps_what_was_said(folder: Path) -> None:
    wav = note_audio.long_speech(folder)
    assert note_audio.duration(wav) > 65
    recording, recorder, _ = record(wav)
    assert recording.hit_limit and recording.seconds == pytest.approx(LIMIT_SECONDS)
    check(recording, recorder.loudest)


def test_a_silent_microphone_is_told_apart(folder: Path) -> None:
    recording, recorder, _ = record(note_audio.silence(folder))
    with pytest.raises(NoteError) as info:
        check(recording, recorder.loudest)
    assert info.value.key == "silent"
    with pytest.raises(NoteError) as info:
        check(Recording(b"\x10\x00" * 800, 16000, False))
    assert info.value.key == "too_short"


class _NoMicrophone:
    sample_rate = 16000

    def chunks(self) -> Iterator[bytes]:
        raise AudioUnavailable("no microphone found")
        yield b""  # pragma: no cover - makes this a generator

    def close(self) -> None:
        pass


def test_no_microphone_is_a_note_error() -> None:
    with pytest.raises(NoteError) as info:
        NoteRecorder(_NoMicrophone()).run()
    assert info.value.key == "no_mic"


def test_opus_in_memory_round_trip_and_size_per_minute(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    recording, _, _ = record(note_audio.long_speech(folder))
    ogg = encode_opus(recording.pcm, recording.sample_rate)
    assert ogg[:4] == b"OggS" and b"OpusHead" in ogg[:200]
    per_minute = len(ogg) * 60 / recording.seconds
    print(
        f"voice note: {len(ogg)} bytes for {recording.seconds:.1f} s = {per_minute / 1024:.0f} KiB per minute"
    )
    assert 40_000 < per_minute < 300_000  # compressed speech, far below 16-bit PCM's 1.9 MB/min
    pcm, rate = decode_opus(ogg)
    assert rate == 16000 and abs(len(pcm) / 2 / rate - recording.seconds) < 0.1
    assert os.listdir(scratch) == []  # encoding used no temporary file
    field = note_field(ogg, recording.seconds, None)
    assert field["seconds"] == 60.0 and "transcript" not in field


def test_a_44k_microphone_is_stored_at_16k(folder: Path) -> None:
    import numpy as np

    pcm = (np.sin(np.arange(44100) / 44100 * 2 * np.pi * 300) * 8000).astype("<i2").tobytes()
    pcm_back, rate = decode_opus(encode_opus(pcm, 44100))
    assert rate == 16000 and abs(len(pcm_back) / 2 / rate - 1.0) < 0.05


def test_transcript_only_where_a_model_is_installed(folder: Path, tmp_path: Path) -> None:
    recording, _, _ = record(note_audio.speech(folder))
    # No Mandarin model in an empty models folder: no transcript, no error.
    assert transcribe(recording.pcm, recording.sample_rate, "zh_CN", tmp_path) is None


@pytest.mark.slow
def test_korean_note_is_transcribed_with_the_korean_model(speak_ko: Callable[[str], Path]) -> None:
    wav = speak_ko("가로등이 고장났어요")
    recording = NoteRecorder(WavFileSource(wav)).run()
    text = transcribe(recording.pcm, recording.sample_rate, "ko")
    assert text is not None and text.strip()  # free dictation of espeak speech: some words, not exact
