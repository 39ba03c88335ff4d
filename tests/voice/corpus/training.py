"""What the Mandarin intent model (voice/intent_model.py) learns from, and leave-one-corpus-out runs.

The training set is every labelled corpus that is already seen (both halves of each), the hand-written
cases of tests/voice/zh_utterances.py and the home screen's catalogue phrases. zh_fresh5 is NOT in it:
its test half is the held-out figure the model is reported on.
"""

from __future__ import annotations

from collections.abc import Iterable

from tests.voice.corpus import read_corpus
from tests.voice.corpus.evaluate import Figures, evaluate_cases
from tests.voice.zh_utterances import HOME_CASES
from voice.intent_model import IntentModel, train
from voice.matcher import IntentMatcher
from voice.screens import screen_intents

# whole corpora (each is the union of its two committed halves)
TRAINING_CORPORA = ("zh_home.tsv", "zh_fresh.tsv", "zh_fresh2.tsv", "zh_fresh3.tsv", "zh_fresh4.tsv")


def training_cases(exclude: Iterable[str] = ()) -> list[tuple[str, str | None]]:
    """(utterance, intent or None) the bundled model is trained on, without the corpora `exclude`."""
    left_out = set(exclude)
    cases = [c for name in TRAINING_CORPORA if name not in left_out for c in read_corpus(name)]
    cases += HOME_CASES
    cases += [(p, intent) for intent, phrases in screen_intents("home", "zh_CN").items() for p in phrases]
    return cases


def bundled_model() -> IntentModel:
    """The model scripts/train_zh_intent_model.py writes (deterministic: same data, same weights)."""
    return train(training_cases())


def leave_one_out(held_out: str) -> Figures:
    """Train without `held_out` (a whole corpus), then score the rules + that model on it: how the
    combination does on speech the model never saw (the rules have seen every corpus by now)."""
    model = train(training_cases(exclude=[held_out]))
    matcher = IntentMatcher(screen_intents("home", "zh_CN"), "zh_CN", model=model)
    return evaluate_cases(read_corpus(held_out), matcher)
