"""Fixtures for the voice tests: the real Korean Vosk model (loaded once per session), espeak-ng
synthesis cached per session, and offscreen Qt for the bridge test."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.voice.noise import synth_noise
from voice.controller import VoiceController
from voice.models import LoadedModel, load_model, locate_model
from voice.pipeline import Collector
from voice.vocabulary import Vocabulary, load_vocabulary


@pytest.fixture(scope="session")
def ko_model() -> LoadedModel:
    return load_model(locate_model("ko"))


@pytest.fixture(scope="session")
def ko_vocab(ko_model: LoadedModel) -> Vocabulary:
    return load_vocabulary(ko_model.path)


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("voice-audio")


def synthesize(text: str, out: Path, voice: str = "ko", room_tone: float = 0.02) -> Path:
    """espeak-ng → 16 kHz mono 16-bit with 0.5 s lead-in, 0.8 s tail and faint brown-noise room
    tone (a real microphone never delivers digital silence; Kaldi's online CMVN misbehaves on it)."""
    raw = out.with_suffix(".raw.wav")
    clean = out.with_suffix(".clean.wav")
    noise = out.with_suffix(".noise.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", text, "-w", str(raw)], check=True)
    subprocess.run(
        ["sox", "-q", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(clean), "pad", "0.5", "0.8"],
        check=True,
    )
    seconds = subprocess.check_output(["soxi", "-D", str(clean)], text=True).strip()
    synth_noise(noise, seconds, "brownnoise", room_tone)
    subprocess.run(["sox", "-q", "-m", str(clean), str(noise), str(out)], check=True)
    for temp in (raw, clean, noise):
        temp.unlink(missing_ok=True)
    return out


@pytest.fixture(scope="session")
def speak_ko(audio_dir: Path) -> Callable[[str], Path]:
    def make(text: str) -> Path:
        out = audio_dir / f"ko-{hashlib.sha1(text.encode()).hexdigest()[:16]}.wav"
        return out if out.exists() else synthesize(text, out)

    return make


@pytest.fixture(scope="session")
def ko_pipeline(ko_model: LoadedModel) -> Iterator[tuple[VoiceController, Collector]]:
    """One controller (model loaded once) on the Korean home screen, no speaker."""
    collector = Collector()
    controller = VoiceController(collector.callbacks)
    controller.set_screen("home", "ko")
    assert controller.wait_ready(60), controller.status.message
    yield controller, collector
    controller.close()
