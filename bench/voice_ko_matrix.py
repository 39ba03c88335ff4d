"""Korean matrix benchmark (not part of the test suite): a half of tests/voice/ko_phrasings.py spoken
by espeak-ng under chosen conditions, through the real Vosk Korean model and the same VoiceController
path the microphone uses. Prints accuracy and wrong actions per condition, and with --dump writes
every clip's outcome and grammar hypotheses as JSON lines (for studying decision rules offline).

    .venv/bin/python bench/voice_ko_matrix.py --half tune --dump /tmp/tune.jsonl
    .venv/bin/python bench/voice_ko_matrix.py --half heldout2         # the figures to report
    .venv/bin/python bench/voice_ko_matrix.py --half heldout2 --voice ko+f2   # a second speaker

Halves: tune/heldout split the first 87 phrasings (heldout was reported in session 19, so it is seen);
tune2/heldout2 split the 56 written in session 20 (heldout2 is the unseen half reported from then on).
Only tuning halves may be studied to change grammar, heard forms, concept words or thresholds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.voice.ko_audio import CONDITIONS, clip
from tests.voice.ko_phrasings import KO2_HELDOUT, KO2_TUNE, KO_HELDOUT, KO_TUNE
from voice.controller import VoiceController
from voice.pipeline import Collector, run_wav

HALVES = {"tune": KO_TUNE, "heldout": KO_HELDOUT, "tune2": KO2_TUNE, "heldout2": KO2_HELDOUT}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--half", choices=tuple(HALVES), required=True)
    parser.add_argument("--snr", default="clean,20,10", help="comma list of clean|20|10")
    parser.add_argument("--speeds", default="120,150,180", help="comma list of espeak-ng speeds")
    parser.add_argument("--pitches", default="35,65", help="comma list of espeak-ng pitches")
    parser.add_argument("--voice", default="ko", help="espeak-ng voice, e.g. ko+f2 (a second speaker)")
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--audio", type=Path, help="folder to keep clips in (default: a temp folder)")
    args = parser.parse_args()
    snrs = {None if s == "clean" else int(s) for s in args.snr.split(",")}
    phrasings = HALVES[args.half]
    speeds = {int(v) for v in args.speeds.split(",")}
    pitches = {int(v) for v in args.pitches.split(",")}
    conditions = [
        replace(c, voice=args.voice)
        for c in CONDITIONS
        if c.snr in snrs and c.speed in speeds and c.pitch in pitches
    ]
    collector = Collector()
    controller = VoiceController(collector.callbacks)
    controller.set_screen("home", "ko")
    assert controller.wait_ready(600), controller.status.message
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.audio or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        totals = {"right": 0, "acted": 0, "wrong": 0, "help": 0, "help_n": 0, "clips": 0}
        for condition in conditions:
            right, wrong, asked_n, acted_right, help_right, help_n = 0, [], 0, 0, 0, 0
            for intent, phrase in phrasings:
                controller.new_resident()
                outcome = run_wav(controller, collector, clip(phrase, folder, condition))
                acted = [e.intent for e in outcome.intents]
                asked = [c.intent for c in outcome.confirms]
                ok = intent in acted or (not acted and asked[:1] == [intent])
                right += ok
                asked_n += bool(asked) and not acted
                acted_right += intent in acted
                if intent == "help_call":
                    help_n += 1
                    help_right += ok
                wrong += [f"{phrase!r}→{a}" for a in acted if a != intent]
                if dump:
                    record = {
                        "condition": condition.name,
                        "snr": condition.snr,
                        "intent": intent,
                        "phrase": phrase,
                        "acted": acted,
                        "asked": asked,
                        "ok": ok,
                        "utterances": [
                            {
                                "text": u.text,
                                "in_grammar": u.in_grammar,
                                "hypotheses": u.hypotheses,
                                "second_pass": u.second_pass,
                                "audio_seconds": u.audio_seconds,
                            }
                            for u in outcome.utterances
                        ],
                    }
                    dump.write(json.dumps(record, ensure_ascii=False) + "\n")
                    dump.flush()
            n = len(phrasings)
            print(
                f"{condition.name:26} {right:2}/{n} = {right / n:6.1%}  acted right {acted_right:2}  "
                f"asked {asked_n:2}  help {help_right}/{help_n}  wrong {len(wrong)} {wrong}",
                flush=True,
            )
            for key, value in (
                ("right", right),
                ("acted", acted_right),
                ("wrong", len(wrong)),
                ("help", help_right),
                ("help_n", help_n),
                ("clips", n),
            ):
                totals[key] += value
        print(
            f"all: right {totals['right']}/{totals['clips']}, of them acted on {totals['acted']}; "
            f"wrong actions {totals['wrong']}; help calls reached {totals['help']}/{totals['help_n']}"
        )
        print(f"{len(conditions) * len(phrasings)} clips in {time.perf_counter() - started:.0f} s")
    controller.close()


if __name__ == "__main__":
    main()
