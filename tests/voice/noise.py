"""Noise for test audio: sox's repeatable (-R) brown or pink noise, 16 kHz mono 16-bit like the
microphone's stream, for room tone under synthesized speech or a microphone that hears nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path


def synth_noise(out: Path, seconds: float | str, colour: str, vol: float | str | None = None) -> Path:
    """`colour` is sox's name ("brownnoise", "pinknoise"); `vol` scales it (None: sox's full level)."""
    command = ["sox", "-q", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", str(out), "synth", str(seconds)]
    command.append(colour)
    if vol is not None:
        command += ["vol", str(vol)]
    subprocess.run(command, check=True)
    return out
