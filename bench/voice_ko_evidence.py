"""Korean decision-rule study (not part of the test suite): record what Vosk said for every clip once,
then replay the records through the controller's decision code as often as a rule changes.

`record` runs a half of tests/voice/ko_phrasings.py through the real pipeline (VoiceController →
endpointer → recognizer worker) with the second pass FORCED for every utterance, so each record holds
the grammar pass (`first_pass`, with its alternatives and word timings) and the wider grammar's pass;
it also decodes each utterance once more with minimum-Bayes-risk output (no alternatives) for Vosk's
per-word posteriors (`mbr`). `replay` feeds the records to a controller without a model: an utterance
the controller would not have decoded again is delivered as its grammar pass alone, exactly as the
worker does. It prints accuracy, wrong actions, help-call recall and how many right answers were
actions rather than questions — the cost of a stricter rule.

    .venv/bin/python bench/voice_ko_evidence.py record --half tune2 --out /tmp/ko23/tune2.pkl
    .venv/bin/python bench/voice_ko_evidence.py replay /tmp/ko23/tune2.pkl [--by condition]

Only tuning halves may be studied to change the rule; the held-out half is reported with
bench/voice_ko_matrix.py (the real path, no forced second pass).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.voice.ko_audio import CONDITIONS, clip
from tests.voice.ko_phrasings import KO2_HELDOUT, KO2_TUNE, KO_HELDOUT, KO_TUNE
from voice.controller import VoiceController, _Screen
from voice.matcher import IntentMatcher
from voice.pipeline import Collector, run_wav
from voice.recognizer import Utterance
from voice.screens import screen_intents

HALVES = {
    "tune": KO_TUNE,
    "heldout": KO_HELDOUT,
    "tune2": KO2_TUNE,
    "heldout2": KO2_HELDOUT,
    "first": KO_TUNE + KO_HELDOUT,  # the first 87 (both halves seen)
    "tunes": KO_TUNE + KO2_TUNE,  # the two tuning halves
    "tuning": KO_TUNE + KO_HELDOUT + KO2_TUNE,  # everything that may be studied
}


@dataclass
class Record:
    condition: str
    snr: int | None
    intent: str
    phrase: str
    firsts: list[Utterance] = field(default_factory=list)  # what the second-pass predicate was shown
    delivered: list[Utterance] = field(default_factory=list)  # what reached the controller
    mbr: list[dict[str, Any]] = field(default_factory=list)  # per-word posteriors of the grammar pass


def record(args: argparse.Namespace) -> None:
    import vosk

    collector = Collector()
    controller = VoiceController(collector.callbacks, models_dir=args.models_dir)
    controller.set_screen("home", "ko")
    assert controller.wait_ready(600), controller.status.message
    print(f"model {controller._models['ko'].path}", flush=True)
    worker = controller._worker
    assert worker is not None and controller.last_grammar is not None
    grammar = controller.last_grammar.to_json()
    model = controller._models["ko"].model
    current: list[Record] = []

    def predicate(utterance: Utterance) -> bool:
        current[-1].firsts.append(utterance)
        return True

    original = worker._deliver_second_pass

    def deliver(first: Utterance, pcm: bytes) -> bool:
        rec = vosk.KaldiRecognizer(model, 16000, grammar)
        rec.SetWords(True)
        for offset in range(0, len(pcm), 6400):
            rec.AcceptWaveform(pcm[offset : offset + 6400])
        current[-1].mbr.append(json.loads(rec.FinalResult()))
        return original(first, pcm)

    worker.set_second_pass(predicate, controller.wider_grammar)
    worker._deliver_second_pass = deliver  # type: ignore[method-assign]
    worker._on_utterance = lambda u: current[-1].delivered.append(u)
    snrs = {None if s == "clean" else int(s) for s in args.snr.split(",")}
    conditions = [c for c in CONDITIONS if c.snr in snrs]
    if args.corners:
        conditions = [c for c in conditions if (c.speed, c.pitch) in ((120, 35), (180, 65))]
    if args.only:
        conditions = [c for c in CONDITIONS if c.name in args.only.split(",")]
    records: list[Record] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.audio or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for condition in conditions:
            for intent, phrase in HALVES[args.half]:
                current.append(Record(condition.name, condition.snr, intent, phrase))
                run_wav(controller, collector, clip(phrase, folder, condition))
            records += current
            current.clear()
            print(
                f"{condition.name}: {len(records)} clips, {time.perf_counter() - started:.0f} s", flush=True
            )
    args.out.write_bytes(pickle.dumps(records))
    controller.close()


def replay_one(controller: VoiceController, collector: Collector, rec: Record) -> tuple[list[str], list[str]]:
    """(acted intents, asked intents) of one clip under the controller's current rule."""
    collector.outcome = type(collector.outcome)()
    controller.new_resident()
    for utterance in rec.delivered:
        first = utterance.first_pass if utterance.second_pass else None
        if first is not None and not controller._needs_second_pass(first):
            if first.alternatives:
                controller._on_utterance(first)
            continue
        controller._on_utterance(utterance)
    return [e.intent for e in collector.outcome.intents], [c.intent for c in collector.outcome.confirms]


def offline_controller() -> tuple[VoiceController, Collector]:
    """A controller on the Korean home screen without a model (decisions only)."""
    collector = Collector()
    controller = VoiceController(collector.callbacks)
    controller._screen = _Screen("home", "ko")
    controller._matcher = IntentMatcher(screen_intents("home", "ko", controller.catalogue), "ko")
    controller._wider = True
    return controller, collector


def replay(args: argparse.Namespace) -> None:
    records: list[Record] = pickle.loads(args.file.read_bytes())
    controller, collector = offline_controller()
    counts: dict[str, Counter[str]] = {}
    wrongs: list[str] = []
    for rec in records:
        acted, asked = replay_one(controller, collector, rec)
        key = {"condition": rec.condition, "snr": str(rec.snr), "all": "all"}[args.by]
        c = counts.setdefault(key, Counter())
        c["clips"] += 1
        c["right"] += rec.intent in acted or (not acted and asked[:1] == [rec.intent])
        c["acted right"] += rec.intent in acted and not asked
        c["wrong"] += sum(a != rec.intent for a in acted)
        if rec.intent == "help_call":
            c["help calls"] += 1
            c["help reached"] += "help_call" in acted or asked[:1] == ["help_call"]
        wrongs += [f"{rec.condition}: {rec.phrase!r} → {a}" for a in acted if a != rec.intent]
    for key, c in counts.items():
        print(
            f"{key:28} right {c['right']:3}/{c['clips']} = {c['right'] / c['clips']:6.1%}  "
            f"acted-right {c['acted right']:3}  wrong {c['wrong']}  "
            f"help {c['help reached']}/{c['help calls']}"
        )
    if args.wrong:
        print("\n".join(wrongs))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("--half", choices=tuple(HALVES), required=True)
    rec.add_argument("--snr", default="clean,20,10")
    rec.add_argument("--corners", action="store_true", help="only the two corner voices")
    rec.add_argument("--audio", type=Path)
    rec.add_argument("--only", help="comma list of condition names, e.g. 'speed 150 pitch 65 10dB'")
    rec.add_argument("--out", type=Path, required=True)
    rec.add_argument("--models-dir", type=Path, help="a folder holding vosk-model-small-ko-0.22 (a variant)")
    rep = sub.add_parser("replay")
    rep.add_argument("file", type=Path)
    rep.add_argument("--by", choices=("condition", "snr", "all"), default="snr")
    rep.add_argument("--wrong", action="store_true")
    args = parser.parse_args()
    if args.command == "record":
        record(args)
    else:
        replay(args)


if __name__ == "__main__":
    main()
