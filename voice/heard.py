"""Heard forms: what one recognition model actually decodes for a locale's commands, matched at the
level of decomposed Hangul letters (jamo).

Why: with the screen grammar, the PyPI Korean Vosk model turns many commands into other grammar
words — espeak-ng's "천천히" comes out as "하기 취소 하기", "뒤로" as "무사 해요". Those outputs are
far from the command's own phrase, so phrase similarity cannot find the intent, yet they are
consistent: the same command tends to come out the same way. assets/catalogue/heard/<locale>.toml
lists, per intent, the decodings seen for it on the TUNING halves only (bench/voice_ko_heard.py
writes the file from bench/voice_ko_matrix.py --dump runs; a decoding that was heard for two
intents is left out). A decoded text is then compared with every heard form by jamo edit distance;
the nearest intent, when it is clearly nearer than any other, is what the kiosk *asks* about — heard
forms never make it act on their own (voice/matcher.py), so a model-specific table can at worst
cost a question, never a wrong action.

The table is specific to the model and to the voices it was learnt from; a different model needs its
own (or none: without a file this layer does nothing).
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from rapidfuzz.distance import Levenshtein

from models.catalogue import CATALOGUE_DIR
from voice.textnorm import strip_unk

HEARD_DIR = CATALOGUE_DIR / "heard"
# words the grammar's bigram LM tacks on at the end of almost any utterance (the tail of "주세요",
# an echo of "요"): they say nothing about which command it was
TAIL_NOISE = frozenset({"세요", "요", "에", "에 요"})
RANK_WEIGHT = 0.95  # a lower-ranked Vosk alternative counts a little less than the best one


def heard_key(text: str) -> str:
    """A decoded text as a jamo string: [unk] and spaces gone, meaningless trailing words dropped."""
    words = strip_unk(unicodedata.normalize("NFC", text)).split()
    while len(words) > 1 and (words[-1] in TAIL_NOISE or " ".join(words[-2:]) in TAIL_NOISE):
        words.pop()
    return unicodedata.normalize("NFD", "".join(words))


@cache
def heard_table(locale: str) -> dict[str, tuple[str, ...]]:
    """intent → heard forms for a locale (empty when the locale has no table)."""
    path = HEARD_DIR / f"{locale.split('_')[0]}.toml"
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    table: dict[str, tuple[str, ...]] = {}
    for intent, forms in data.items():
        if not isinstance(forms, list) or not all(isinstance(f, str) and f.strip() for f in forms):
            raise ValueError(f"{path.name}: {intent!r} must be a list of non-empty strings")
        table[intent] = tuple(forms)
    return table


@dataclass(frozen=True)
class HeardGuess:
    intent: str
    similarity: float  # 0..1 (1: exactly a heard form)
    margin: float  # how much nearer than the nearest other intent
    form: str  # the heard form it matched


class HeardScorer:
    """Nearest heard form per intent, over the screen's intents only."""

    def __init__(self, table: dict[str, tuple[str, ...]], intents: Iterable[str]) -> None:
        offered = set(intents)
        self.forms = [
            (intent, form, heard_key(form))
            for intent, forms in table.items()
            if intent in offered
            for form in forms
        ]

    def best_per_intent(self, alternatives: Sequence[str]) -> dict[str, tuple[float, str]]:
        best: dict[str, tuple[float, str]] = {}
        for rank, text in enumerate(alternatives[:3]):
            key = heard_key(text)
            if not key:
                continue
            weight = 1.0 if rank == 0 else RANK_WEIGHT
            for intent, form, form_key in self.forms:
                score = weight * Levenshtein.normalized_similarity(key, form_key)
                if score > best.get(intent, (0.0, ""))[0]:
                    best[intent] = (score, form)
        return best

    def guess(self, alternatives: Sequence[str]) -> HeardGuess | None:
        """The nearest intent with its margin over the runner-up; None when nothing is heard."""
        best = self.best_per_intent(alternatives)
        if not best:
            return None
        ranked = sorted(best.items(), key=lambda item: item[1][0], reverse=True)
        intent, (score, form) = ranked[0]
        runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
        return HeardGuess(intent, score, score - runner_up, form)
