"""Grammar building: catalogue phrases → space-separated model-vocabulary words for Vosk.

Vosk drops unknown grammar words silently, so every phrase is segmented here (minimum number of
vocabulary words; Chinese and Korean words without a vocabulary entry are split into smaller
entries) and each phrase that cannot be covered is reported in `GrammarBuild.uncovered`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from voice.vocabulary import Vocabulary

UNK = "[unk]"
_PUNCT = re.compile(r"[\s,.!?;:，。！？、；：“”\"'()（）·…~～-]+")


@dataclass(frozen=True)
class Uncovered:
    intent: str
    phrase: str
    missing: str  # the part no vocabulary word covers

    def __str__(self) -> str:
        return f"{self.intent}: {self.phrase!r} (no model word for {self.missing!r})"


@dataclass
class GrammarBuild:
    phrases: list[str] = field(default_factory=list)  # segmented, deduplicated, for SetGrammar
    segmented: dict[str, str] = field(default_factory=dict)  # original phrase → segmented
    uncovered: list[Uncovered] = field(default_factory=list)
    unk: str | None = UNK

    def extend(self, other: GrammarBuild) -> None:
        """Add another build's phrases (not its uncovered list: those words are optional extras)."""
        self.phrases.extend(p for p in other.phrases if p not in self.phrases)
        self.segmented.update(other.segmented)

    def to_json(self) -> str:
        extra = [self.unk] if self.unk else []
        return json.dumps([*self.phrases, *extra], ensure_ascii=False)


def segment_token(token: str, vocab: Vocabulary) -> list[str] | None:
    """Split one token into the fewest vocabulary words (longer first on ties), or None."""
    if token in vocab:
        return [token]
    n = len(token)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        prefix = best[i]
        if prefix is None:
            continue
        for j in range(min(n, i + vocab.max_len), i, -1):
            piece = token[i:j]
            if piece in vocab:
                candidate = [*prefix, piece]
                current = best[j]
                if current is None or len(candidate) < len(current):
                    best[j] = candidate
    return best[n]


def _first_gap(token: str, vocab: Vocabulary) -> str:
    for i in range(len(token)):
        if not any(token[i:j] in vocab for j in range(i + 1, min(len(token), i + vocab.max_len) + 1)):
            return token[i]
    return token


def segment_phrase(phrase: str, vocab: Vocabulary, lowercase: bool = False) -> tuple[str | None, str]:
    """(segmented phrase, "") or (None, missing part)."""
    text = unicodedata.normalize("NFC", phrase)
    if lowercase:
        text = text.lower()
    words: list[str] = []
    for token in _PUNCT.split(text):
        if not token:
            continue
        pieces = segment_token(token, vocab)
        if pieces is None:
            return None, _first_gap(token, vocab)
        words.extend(pieces)
    if not words:
        return None, phrase
    return " ".join(words), ""


def build_grammar(table: Mapping[str, Iterable[str]], vocab: Vocabulary, locale: str) -> GrammarBuild:
    """Segment every phrase of an intent table; uncovered phrases are listed, never dropped quietly."""
    build = GrammarBuild(unk=vocab.unk)
    for intent, phrases in table.items():
        for phrase in phrases:
            segmented, missing = segment_phrase(phrase, vocab, lowercase=locale == "en")
            if segmented is None:
                build.uncovered.append(Uncovered(intent, phrase, missing))
                continue
            build.segmented[phrase] = segmented
            if segmented not in build.phrases:
                build.phrases.append(segmented)
    return build
