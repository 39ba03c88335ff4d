"""Korean test speech: espeak-ng at a given speed and pitch, and the same clip mixed with pink noise at
a given signal-to-noise ratio (sox). Each clip is made once per session into the caller's folder.

`Condition.voice`: espeak-ng's default Korean voice ("ko") is the issue's test voice;
bench/voice_ko_matrix.py --voice picks another speaker, e.g. its female variant "ko+f2". Who speaks
matters as much as the grammar: at speed 150 and pitch 50 (clean, grammar pass alone, tuning halves)
the model placed 18 of 71 phrasings right in the default voice and 15–34 in nine other variants (f2
best); on the held-out half at the matrix's corner voices f2 was no better (clean 50.0 / 42.9 %
against 42.9 / 46.4 %).
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from tests.voice.noise import synth_noise

SPEEDS = (120, 150, 180)  # espeak-ng words per minute: slow, ordinary, brisk
PITCHES = (35, 65)  # espeak-ng pitch 0–99 (default 50): a lower and a higher voice
NOISE = (None, 20, 10)  # clean (faint room tone only), then SNR in dB
ROOM_TONE_DB = 40  # a real microphone never delivers digital silence (Kaldi's CMVN misbehaves on it)


@dataclass(frozen=True)
class Condition:
    speed: int
    pitch: int
    snr: int | None
    voice: str = "ko"  # espeak-ng -v

    @property
    def name(self) -> str:
        noise = "clean" if self.snr is None else f"{self.snr}dB"
        speaker = "" if self.voice == "ko" else f" voice {self.voice}"
        return f"speed {self.speed} pitch {self.pitch} {noise}{speaker}"


CONDITIONS = [Condition(s, p, n) for n in NOISE for s in SPEEDS for p in PITCHES]

_unit_rms: list[float] = []
_unit_lock = threading.Lock()
_voice_rms: dict[Path, float] = {}


def _rms(path: Path) -> float:
    out = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True, check=True)
    for line in out.stderr.splitlines():
        if line.startswith("RMS") and "amplitude" in line:
            return float(line.split(":")[1])
    raise RuntimeError(f"sox stat gave no RMS for {path}")


def _pink_unit_rms(folder: Path) -> float:
    """RMS of sox's pink noise at vol 1 (measured once)."""
    with _unit_lock:
        return _measure_pink(folder)


def _measure_pink(folder: Path) -> float:
    if not _unit_rms:
        probe = folder / "pink-probe.wav"
        synth_noise(probe, 5, "pinknoise")
        _unit_rms.append(_rms(probe))
        probe.unlink()
    return _unit_rms[0]


def _mix(speech: Path, out: Path, noise_rms: float) -> None:
    """speech + pink noise of `noise_rms` (before mixing), both at half level so the sum cannot clip."""
    seconds = subprocess.check_output(["soxi", "-D", str(speech)], text=True).strip()
    vol = noise_rms / _pink_unit_rms(out.parent)
    noise = f"|sox -q -R -n -r 16000 -c 1 -b 16 -p synth {seconds} pinknoise vol {vol:.6f}"
    subprocess.run(["sox", "-q", "-m", "-v", "0.5", str(speech), "-v", "0.5", noise, str(out)], check=True)


def speak(text: str, folder: Path, speed: int = 150, pitch: int = 50, voice: str = "ko") -> Path:
    """espeak-ng → 16 kHz mono 16-bit with 0.5 s lead-in, 0.8 s tail and faint room tone."""
    spoken = f"{text}|{speed}|{pitch}" + ("" if voice == "ko" else f"|{voice}")  # old keys stay
    key = hashlib.sha1(spoken.encode()).hexdigest()[:16]
    out = folder / f"ko-{key}.wav"
    if out.exists() and out in _voice_rms:
        return out
    raw = folder / f"ko-{key}.raw.wav"
    padded = folder / f"ko-{key}.16k.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdin", "-w", str(raw)],
        input=text.encode(),
        check=True,
    )
    subprocess.run(
        ["sox", "-q", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(padded), "pad", "0.5", "0.8"],
        check=True,
    )
    level = _rms(raw)
    _mix(padded, out, noise_rms=level * 10 ** (-ROOM_TONE_DB / 20))
    _voice_rms[out] = level * 0.5  # the mix halved the voice
    raw.unlink()
    padded.unlink()
    return out


def clip(text: str, folder: Path, condition: Condition) -> Path:
    """The clip for one condition: the clean clip, or it mixed with pink noise at the condition's SNR."""
    clean = speak(text, folder, condition.speed, condition.pitch, condition.voice)
    if condition.snr is None:
        return clean
    out = clean.with_name(f"{clean.stem}-snr{condition.snr}.wav")
    if not out.exists():
        _mix(clean, out, noise_rms=_voice_rms[clean] * 10 ** (-condition.snr / 20))
    return out
