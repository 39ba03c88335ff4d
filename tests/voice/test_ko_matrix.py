"""Korean natural commands through the real pipeline under 18 conditions: espeak-ng at three speeds
and two pitches, each clean and mixed with pink noise at 20 dB and 10 dB SNR (sox), into the real
Vosk Korean model via the same VoiceController path the microphone uses (two passes included).

Prints accuracy and wrong actions per condition. The issue's goals (≥ 90 % clean, ≥ 80 % at 10 dB,
0 wrong actions) are NOT met with espeak-ng's Korean voice and the PyPI model: the floors asserted
here are the measured level (a regression guard), not the goal — see the figures printed.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.voice.ko_audio import CONDITIONS, Condition, clip
from tests.voice.ko_phrasings import KO_PHRASINGS
from voice.controller import VoiceController
from voice.pipeline import Collector, run_wav

# Measured 2026-11-27 (41–42 phrasings per condition): clean 66.7–81.0 %, 20 dB 61.9–73.8 %,
# 10 dB 38.1–59.5 %, 0–2 wrong actions per condition ("뒤로" is heard as "무사 해요"). These floors
# guard against regressions; they are far below the goals, which are not met.
FLOOR = {None: 0.60, 20: 0.55, 10: 0.33}
MAX_WRONG_PER_CONDITION = 2


@pytest.fixture(scope="module")
def clips(audio_dir: Path) -> dict[tuple[Condition, str], Path]:
    """Every clip of the matrix, made once (two sox/espeak jobs at a time)."""
    jobs = [(c, p) for c in CONDITIONS for _, p in KO_PHRASINGS]
    clean_first = sorted(jobs, key=lambda job: job[0].snr is not None)
    with ThreadPoolExecutor(max_workers=2) as pool:
        # clean clips first: the noisy ones are made from them
        clean = [j for j in clean_first if j[0].snr is None]
        made = dict(zip(clean, pool.map(lambda j: clip(j[1], audio_dir, j[0]), clean), strict=True))
        noisy = [j for j in clean_first if j[0].snr is not None]
        made.update(zip(noisy, pool.map(lambda j: clip(j[1], audio_dir, j[0]), noisy), strict=True))
    return made


@pytest.mark.slow
@pytest.mark.timeout(1500)  # 756 clips; ≈ 3–4 min on an idle 2-core machine
def test_korean_commands_across_voices_and_noise(
    ko_pipeline: tuple[VoiceController, Collector], clips: dict[tuple[Condition, str], Path]
) -> None:
    controller, collector = ko_pipeline
    assert len(KO_PHRASINGS) >= 40
    lines, failures = [], []
    for condition in CONDITIONS:
        right, wrong = 0, []
        for intent, phrase in KO_PHRASINGS:
            controller.new_resident()
            outcome = run_wav(controller, collector, clips[(condition, phrase)])
            acted = [e.intent for e in outcome.intents]
            asked = [c.intent for c in outcome.confirms]
            right += intent in acted or (not acted and asked[:1] == [intent])
            wrong += [f"{phrase!r} → {a}" for a in acted if a != intent]
        accuracy = right / len(KO_PHRASINGS)
        lines.append(
            f"{condition.name:26} {right:2}/{len(KO_PHRASINGS)} = {accuracy:6.1%}  wrong {len(wrong)} {wrong}"
        )
        if accuracy < FLOOR[condition.snr] or len(wrong) > MAX_WRONG_PER_CONDITION:
            failures.append(lines[-1])
    print("\nKorean commands per condition:\n" + "\n".join(lines))
    assert not failures, "\n".join(failures)
