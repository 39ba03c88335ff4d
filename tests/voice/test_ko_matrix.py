"""Korean natural commands through the real pipeline: the unseen HELD-OUT half of the session-20
phrasings (KO2_HELDOUT in tests/voice/ko_phrasings.py, frozen before any run and never looked at while
tuning), espeak-ng voices clean and mixed with pink noise (sox), into the real Vosk Korean model via
the same VoiceController path the microphone uses (two passes included).

The full matrix (three speeds × two pitches × clean / 20 dB / 10 dB = 18 conditions) takes 10–15 min
on this shared 2-core machine, so the suite runs two opposite corner voices (slowest speed with the
lower pitch, brisk speed with the higher pitch) clean and at 10 dB — the conditions the issue's goals
name — and bench/voice_ko_matrix.py --half heldout2 prints all 18 (figures in the issue 13 note).

The issue's goals (≥ 90 % clean, ≥ 80 % at 10 dB, 0 wrong actions) are NOT met with espeak-ng's
Korean voice and the PyPI model: the floors asserted here are the measured level (a regression
guard), not the goal.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.voice.ko_audio import Condition, clip
from tests.voice.ko_phrasings import KO2_HELDOUT, KO_HELDOUT, KO_PHRASINGS
from voice.controller import VoiceController
from voice.pipeline import Collector, run_wav

CORNERS = [Condition(speed, pitch, snr) for snr in (None, 10) for speed, pitch in ((120, 35), (180, 65))]
# Measured 2026-11-27 (session 20) on KO2_HELDOUT (28 phrasings frozen in commit 4e13967 before any
# run), all 18 conditions (bench/voice_ko_matrix.py --half heldout2): clean 35.7–57.1 %, 20 dB
# 28.6–50.0 %, 10 dB 25.0–53.6 %, 0–2 wrong actions per condition (6 in 504 clips). The two corners
# here: clean 42.9 / 46.4 %, 10 dB 28.6 / 53.6 %. Far below the goals; these floors only guard
# against regressions (the second pass's time budget makes outcomes depend a little on machine load).
# The session-19 held-out half (KO_HELDOUT) is seen now: corners clean 59.1–70.5 %, 10 dB 31.8–50.0 %.
# Session 22 (no pipeline change; load ≈ 10): the same 18 conditions gave clean 39.3–53.6 %, 20 dB
# 25.0–46.4 %, 10 dB 21.4–50.0 %, 6 wrong in 504 clips; corners clean 42.9 / 46.4 %, 10 dB 28.6 / 50.0 %.
# Grammar changes tried on the tuning halves could not lift it: the model decodes espeak-ng's default
# Korean voice poorly even without a grammar (천천히 → "위치", 연금 → "어유", 처음으로 → nothing), and
# the right intent was among the grammar's and the wider grammar's answers for only 45 % of the clean
# tuning clips. The voice decides more than the grammar: bench/voice_ko_matrix.py --voice ko+f2.
# Session 23: the controller asks instead of acting when the heard phrase does not fit the length of
# the speech or the wider second decode names another intent (voice/controller.py, chosen on the tuning
# halves with bench/voice_ko_evidence.py). All 18 conditions: clean 39.3–57.1 %, 20 dB 25.0–46.4 %,
# 10 dB 21.4–50.0 % (189/504 right, as before), 0 wrong actions in 504 clips (6 before), help calls
# reached 38/90; the corners: clean 42.9 / 42.9 %, 10 dB 32.1 / 50.0 %, help calls 7/20.
FLOOR = {None: 0.35, 10: 0.20}
MAX_WRONG_PER_CONDITION = 0  # the goal, met since session 23
HELP_FLOOR = 0.25  # help calls acted on or asked about, of the 20 at the corners (measured 7/20)


@pytest.fixture(scope="module")
def clips(audio_dir: Path) -> dict[tuple[Condition, str], Path]:
    """Every clip of the corners, made once (two sox/espeak jobs at a time; clean before noisy,
    the noisy ones are made from them)."""
    made: dict[tuple[Condition, str], Path] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for noisy in (False, True):
            jobs = [(c, p) for c in CORNERS if (c.snr is not None) == noisy for _, p in KO2_HELDOUT]
            made.update(zip(jobs, pool.map(lambda j: clip(j[1], audio_dir, j[0]), jobs), strict=True))
    return made


def test_phrasings_are_many_and_split_in_halves() -> None:
    assert len(KO_PHRASINGS) >= 40 and len({p for _, p in KO_PHRASINGS}) == len(KO_PHRASINGS)
    assert 2 * len(KO_HELDOUT) in (len(KO_PHRASINGS), len(KO_PHRASINGS) + 1)
    assert {"도와주세요", "뒤로", "처음으로"} <= {p for _, p in KO_PHRASINGS}


@pytest.mark.slow
@pytest.mark.timeout(900)  # 112 clips; well under 1 min on an idle 2-core machine, minutes under load
def test_korean_held_out_commands_across_voices_and_noise(
    ko_pipeline: tuple[VoiceController, Collector], clips: dict[tuple[Condition, str], Path]
) -> None:
    controller, collector = ko_pipeline
    lines, failures = [], []
    help_reached, help_calls = 0, 0
    for condition in CORNERS:
        right, wrong = 0, []
        for intent, phrase in KO2_HELDOUT:
            controller.new_resident()
            outcome = run_wav(controller, collector, clips[(condition, phrase)])
            acted = [e.intent for e in outcome.intents]
            asked = [c.intent for c in outcome.confirms]
            ok = intent in acted or (not acted and asked[:1] == [intent])
            right += ok
            wrong += [f"{phrase!r} → {a}" for a in acted if a != intent]
            if intent == "help_call":
                help_calls += 1
                help_reached += ok
        accuracy = right / len(KO2_HELDOUT)
        lines.append(
            f"{condition.name:26} {right:2}/{len(KO2_HELDOUT)} = {accuracy:6.1%}  wrong {len(wrong)} {wrong}"
        )
        if accuracy < FLOOR[condition.snr] or len(wrong) > MAX_WRONG_PER_CONDITION:
            failures.append(lines[-1])
    lines.append(f"help calls reached (acted on or asked about): {help_reached}/{help_calls}")
    print(
        "\nKorean held-out commands per condition (goal ≥ 90 % clean, ≥ 80 % at 10 dB):\n" + "\n".join(lines)
    )
    assert not failures, "\n".join(failures)
    assert help_reached >= HELP_FLOOR * help_calls, lines[-1]
