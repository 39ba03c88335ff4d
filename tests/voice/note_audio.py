"""Audio files for the voice-note tests: Mandarin speech (espeak-ng), a microphone that hears
nothing (faint room tone only), and a resident who talks past the 60 s limit. Made once per session."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.voice.conftest import synthesize
from tests.voice.noise import synth_noise

SPEECH = "村口的路灯坏了三天了，晚上很黑，老人出门不方便，请派人来修一修。"


def speech(folder: Path) -> Path:
    out = folder / "note-speech.wav"
    return out if out.exists() else synthesize(SPEECH, out, voice="cmn")


def silence(folder: Path, seconds: float = 3.0) -> Path:
    """A live but silent microphone: faint brown noise around −70 dBFS, no speech."""
    out = folder / "note-silence.wav"
    if not out.exists():
        synth_noise(out, seconds, "brownnoise", "0.0003")
    return out


def long_speech(folder: Path, at_least: float = 70.0) -> Path:
    """Speech repeated until it lasts longer than the 60 s limit."""
    out = folder / "note-long.wav"
    if not out.exists():
        one = speech(folder)
        seconds = float(subprocess.check_output(["soxi", "-D", str(one)], text=True))
        repeats = int(at_least // seconds) + 1
        subprocess.run(["sox", "-q", str(one), str(out), "repeat", str(repeats)], check=True)
    return out


def duration(path: Path) -> float:
    return float(subprocess.check_output(["soxi", "-D", str(path)], text=True))
