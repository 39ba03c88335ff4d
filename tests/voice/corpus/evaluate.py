"""Score the intent layer on a corpus half: accuracy, wrong actions without confirmation, help recall.

A case is right when the expected intent acts without a question, or — for utterances that must
trigger nothing — when no intent comes out at all. A *wrong action* is an intent acting without a
question that is not the expected one. Help recall counts help calls that reached help_call, acting
or asking (asking once is allowed; missing one is not).

    python -m tests.voice.corpus.evaluate zh_tune.tsv   # prints the misses (tune half only!)
    python -m tests.voice.corpus.evaluate --blind X.tsv # figures and misses per intent, no texts
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from tests.voice.corpus import read_corpus
from voice.matcher import IntentMatcher
from voice.screens import screen_intents


@dataclass
class Figures:
    total: int = 0
    right: int = 0
    help_calls: int = 0
    help_reached: int = 0
    wrong_actions: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    missed: dict[str, int] = field(default_factory=dict)  # expected intent → misses (no texts)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def help_recall(self) -> float:
        return self.help_reached / self.help_calls if self.help_calls else 1.0

    def summary(self) -> str:
        return (
            f"{self.right}/{self.total} = {self.accuracy:.1%} right; wrong actions {len(self.wrong_actions)};"
            f" help recall {self.help_reached}/{self.help_calls} = {self.help_recall:.1%}"
        )


def evaluate(name: str, matcher: IntentMatcher | None = None) -> Figures:
    return evaluate_cases(read_corpus(name), matcher)


def evaluate_cases(cases: list[tuple[str, str | None]], matcher: IntentMatcher | None = None) -> Figures:
    matcher = matcher or IntentMatcher(screen_intents("home", "zh_CN"), "zh_CN")
    figures = Figures()
    for text, expected in cases:
        result = matcher.match_text(text)
        figures.total += 1
        ok = result.intent is None if expected is None else (result.intent == expected and result.acts)
        figures.right += ok
        if not ok:
            figures.missed[expected or "-"] = figures.missed.get(expected or "-", 0) + 1
            figures.misses.append(
                f"{text!r}: expected {expected}, got {result.intent} confirm={result.confirm}"
            )
        if result.acts and result.intent != expected:
            figures.wrong_actions.append(f"{text!r} ({expected}) → {result.intent}")
        if expected == "help_call":
            figures.help_calls += 1
            figures.help_reached += result.intent == "help_call"
    return figures


if __name__ == "__main__":
    blind = "--blind" in sys.argv  # a held-out half: count its misses, never print what was said
    names = [a for a in sys.argv[1:] if a != "--blind"] or ["zh_tune.tsv"]
    figures = evaluate(names[0])
    if blind:
        print(figures.summary(), "misses per expected intent:", dict(sorted(figures.missed.items())))
        raise SystemExit(0)
    print("\n".join(figures.misses))
    print("WRONG:\n" + "\n".join(figures.wrong_actions))
    print(figures.summary())
