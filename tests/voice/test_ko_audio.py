"""Korean speech end to end: espeak-ng audio → WavFileSource → endpointer → Vosk (home grammar) →
IntentMatcher, through the same VoiceController path the microphone uses.

The natural phrasings of tests/voice/ko_phrasings.py (도와주세요, 뒤로, 처음으로 …) are measured per
voice and noise condition in test_ko_matrix.py; here: the rest of the catalogue's phrases."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.voice.ko_phrasings import KO_PHRASINGS
from voice.controller import VoiceController
from voice.pipeline import Collector, run_wav
from voice.screens import screen_intents

REQUIRED_ACCURACY = 0.90


def _home_phrases() -> list[tuple[str, str, str]]:
    """(screen, intent, phrase): yes and no are heard on a yes/no screen — on home, with no question
    waiting, they mean nothing and are not acted on."""
    natural = {p for _, p in KO_PHRASINGS}
    return [
        ("confirm" if intent in ("yes", "no") else "home", intent, p)
        for intent, phrases in screen_intents("home", "ko").items()
        for p in phrases
        if p not in natural
    ]


def test_korean_home_and_global_phrases_reach_their_intent(
    ko_pipeline: tuple[VoiceController, Collector], speak_ko: Callable[[str], Path]
) -> None:
    controller, collector = ko_pipeline
    cases = _home_phrases()
    right, wrong_actions, report = 0, [], []
    for screen, intent, phrase in cases:
        controller.new_resident()  # each clip is its own trial: no question left pending from the last one
        controller.set_screen(screen, "ko")
        outcome = run_wav(controller, collector, speak_ko(phrase))
        acted = [e.intent for e in outcome.intents]
        asked = [c.intent for c in outcome.confirms]
        if intent in acted or (not acted and asked[:1] == [intent]):
            right += 1
        else:
            report.append(f"{intent}: {phrase!r} heard {outcome.text!r} → acted {acted} asked {asked}")
        wrong_actions += [f"{phrase!r} ({intent}) → {a}" for a in acted if a != intent]
    controller.set_screen("home", "ko")
    accuracy = right / len(cases)
    print(f"Korean audio: {right}/{len(cases)} = {accuracy:.1%}; wrong actions: {len(wrong_actions)}")
    assert not wrong_actions, "wrong actions without confirmation:\n" + "\n".join(wrong_actions)
    assert accuracy >= REQUIRED_ACCURACY, f"{accuracy:.1%} < 90%:\n" + "\n".join(report)


def test_silence_and_noise_trigger_nothing(
    ko_pipeline: tuple[VoiceController, Collector], audio_dir: Path
) -> None:
    controller, collector = ko_pipeline
    files = {
        "silence": ["synth", "3", "sine", "0", "vol", "0"],
        "room": ["synth", "3", "brownnoise", "vol", "0.02"],
        "white": ["synth", "3", "whitenoise", "vol", "0.3"],
        "pink": ["synth", "3", "pinknoise", "vol", "0.5"],
    }
    for name, effect in files.items():
        path = audio_dir / f"{name}.wav"
        subprocess.run(
            ["sox", "-q", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", str(path), *effect], check=True
        )
        outcome = run_wav(controller, collector, path)
        assert outcome.intents == [], f"{name} triggered {[e.intent for e in outcome.intents]}"
        assert outcome.confirms == [], f"{name} asked {[c.question for c in outcome.confirms]}"
