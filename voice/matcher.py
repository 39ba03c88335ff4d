"""IntentMatcher: recognised text (every Vosk alternative) → an intent, a confidence, and whether to ask.

Exact or synonym phrases score 1; otherwise fuzzy similarity over locale tokens (pinyin with
dialect folding for Chinese, jamo for Korean, words for English). The best intent acts when it is
confident and clearly ahead of the runner-up; when the margin is small or the score middling the
kiosk asks "您是要办理……吗？"; below the floor nothing happens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from voice.similarity import phrase_score
from voice.textnorm import tokens

ACT_THRESHOLD = 0.8
FLOOR = 0.62
NESTED_PENALTY = 0.7  # 是的 inside 不是的 is not evidence for yes
MARGIN = 0.12
ALTERNATIVE_WEIGHT = 0.92  # a lower-ranked Vosk alternative counts a little less than the best


@dataclass(frozen=True)
class Scored:
    intent: str
    score: float
    text: str
    phrase: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "score": round(self.score, 3),
            "text": self.text,
            "phrase": self.phrase,
        }


@dataclass(frozen=True)
class IntentResult:
    intent: str | None
    confidence: float
    confirm: bool
    alternatives: list[Scored] = field(default_factory=list)
    text: str = ""

    @property
    def acts(self) -> bool:
        """True when the kiosk may act without asking."""
        return self.intent is not None and not self.confirm

    def as_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "confirm": self.confirm,
            "alternatives": [a.as_dict() for a in self.alternatives],
        }


NOTHING = IntentResult(None, 0.0, False)


class IntentMatcher:
    """Scores utterances against one screen's intent table in one locale."""

    def __init__(self, table: Mapping[str, Sequence[str]], locale: str) -> None:
        self.locale = locale
        self._phrases = [
            (intent, phrase, tokens(phrase, locale))
            for intent, phrases in table.items()
            for phrase in phrases
        ]

    def _best_per_intent(self, text: str, weight: float) -> dict[str, Scored]:
        said = tokens(text, self.locale)
        best: dict[str, Scored] = {}
        if not said:
            return best
        spans = self._spans(said)
        for intent, phrase, phrase_tokens in self._phrases:
            score = phrase_score(said, phrase_tokens) * weight
            if _nested_only(phrase_tokens, said, spans):
                score *= NESTED_PENALTY
            if intent not in best or score > best[intent].score:
                best[intent] = Scored(intent, score, text, phrase)
        return best

    def match(self, alternatives: Sequence[str]) -> IntentResult:
        """`alternatives` best first (Vosk order); every one is scored."""
        best: dict[str, Scored] = {}
        for rank, text in enumerate(alternatives):
            for intent, scored in self._best_per_intent(
                text, 1.0 if rank == 0 else ALTERNATIVE_WEIGHT
            ).items():
                if intent not in best or scored.score > best[intent].score:
                    best[intent] = scored
        ranked = sorted(best.values(), key=lambda s: s.score, reverse=True)[:5]
        heard = alternatives[0] if alternatives else ""
        if not ranked or ranked[0].score < FLOOR:
            return IntentResult(None, ranked[0].score if ranked else 0.0, False, ranked, heard)
        top = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        margin = top.score - runner_up
        confirm = top.score < ACT_THRESHOLD or margin < MARGIN or self._ambiguous(top.intent, alternatives)
        confidence = top.score * min(1.0, 0.5 + margin / (2 * MARGIN))
        return IntentResult(top.intent, round(confidence, 4), confirm, ranked, heard)

    def _ambiguous(self, intent: str, alternatives: Sequence[str]) -> bool:
        """Ask rather than act when the best hypothesis names another intent too, or the
        best-ranked Vosk alternative points elsewhere."""
        if not alternatives:
            return False
        spans = self._spans(tokens(alternatives[0], self.locale))
        named = {
            i for a, b, i in spans if not any(c <= a and b <= d and (c, d) != (a, b) for c, d, _ in spans)
        }
        if named - {intent}:
            return True
        first = self._best_per_intent(alternatives[0], 1.0)
        return bool(first) and max(first.values(), key=lambda s: s.score).intent != intent

    def _spans(self, said: tuple[str, ...]) -> list[tuple[int, int, str]]:
        """Exact occurrences (start, end, intent) of every phrase in the utterance."""
        return [(a, b, i) for i, _, toks in self._phrases if toks for a, b in _occurrences(said, toks)]

    def match_text(self, text: str) -> IntentResult:
        return self.match([text])

    def intent_of(self, text: str) -> str | None:
        """The intent one hypothesis on its own points to (None below the floor)."""
        best = self._best_per_intent(text, 1.0)
        if not best:
            return None
        top = max(best.values(), key=lambda s: s.score)
        return top.intent if top.score >= FLOOR else None


def _occurrences(text: Sequence[str], phrase: Sequence[str]) -> list[tuple[int, int]]:
    n = len(phrase)
    return [(i, i + n) for i in range(len(text) - n + 1) if tuple(text[i : i + n]) == tuple(phrase)]


def _nested_only(phrase: Sequence[str], said: Sequence[str], spans: list[tuple[int, int, str]]) -> bool:
    """True when every exact occurrence of `phrase` sits strictly inside a longer matched phrase."""
    own = _occurrences(said, phrase)
    return bool(own) and all(
        any(c <= a and b <= d and (d - c) > (b - a) for c, d, _ in spans) for a, b in own
    )
