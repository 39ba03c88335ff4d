"""A small statistical intent model for Mandarin: what an utterance is about, learned from labelled
speech instead of listed words.

Why: the concept tables (voice/concepts.py) score 98–100 % on the corpora they were tuned on but
84–89 % on each new corpus at first sight — word lists keep finding gaps on new speech. A linear
model over overlapping pieces of the utterance generalises past the lists: character 1–3-grams (so a
word never listed still shares its characters with listed ones), jieba words, and toneless pinyin
syllables and syllable pairs — dialect-folded too — so ASR homophones (养劳金/养老金, 社宝/社保) share
features with the word they stand for.

The model is a multinomial logistic regression (L2) over binary features, classes = the home screen's
intents plus `NONE` (speech that must trigger nothing). It is trained by `train` (numpy, full-batch
gradient descent from zero weights: deterministic, no randomness to seed) from the labelled corpora by
scripts/train_zh_intent_model.py, and its weights are committed as assets/catalogue/concepts/
zh_CN.model.json. At run time only plain Python is needed: loading the file costs a few tens of ms
(done once, on first use — after the kiosk's first paint) and scoring an utterance is a sum of a few
dozen weight rows.

The model never decides alone: `voice.matcher.IntentMatcher` combines it with the rule layer,
conservatively (see there).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
from array import array
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from models.catalogue import CATALOGUE_DIR
from voice.segment import add_words, zh_words
from voice.textnorm import fold_syllable, strip_unk

MODEL_FILE = CATALOGUE_DIR / "concepts" / "zh_CN.model.json"
NONE = "-"  # the class of speech that must trigger nothing (the corpora's "-")
FORMAT = 1
_NON_WORD = re.compile(r"[^\w]+")
_HANZI = re.compile(r"[\u3400-\u9fff]")


@cache
def _syllable(ch: str) -> str:
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(ch, errors="ignore")
    return syllables[0] if syllables else ch


@cache
def _concept_words_added() -> bool:
    """Segment with every concept word of the Mandarin table known to jieba, whatever screens were
    built before: the features of an utterance must not depend on the process's history."""
    from voice.concepts import concept_table

    table = concept_table("zh_CN")
    add_words([w for c in table.concepts for w in c.words] + list(table.negation) + list(table.broadcast))
    return True


def normalise(text: str) -> str:
    """Vosk's spaces, punctuation and [unk] removed: the characters that were said."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", strip_unk(text)))


def features(text: str) -> list[str]:
    """The binary features of one utterance (sorted, each once)."""
    chars = normalise(text)
    if not chars:
        return []
    _concept_words_added()
    found: set[str] = {"^" + chars[:1], chars[-1:] + "$"}  # how it starts and ends (…吗, …了没)
    for n in (1, 2, 3):
        found.update("c" + chars[i : i + n] for i in range(len(chars) - n + 1))
    found.update("w" + w for w in zh_words(chars))
    plain = [_syllable(ch) if _HANZI.match(ch) else ch for ch in chars]
    folded = [fold_syllable(s) for s in plain]
    found.update("p" + s for s in plain)
    found.update("p" + a + "_" + b for a, b in itertools.pairwise(plain))
    found.update("f" + a + "_" + b for a, b in itertools.pairwise(folded))
    return sorted(found)


class IntentModel:
    """Weights of a trained model: one row of per-class weights per feature, kept in one flat float
    array (≈ 0.5 MB for 7,000 features × 18 classes, against several MB as Python floats)."""

    def __init__(
        self, classes: Sequence[str], bias: Sequence[float], rows: Mapping[str, Sequence[float]]
    ) -> None:
        self.classes = tuple(classes)
        self.bias = tuple(bias)
        width = len(self.classes)
        if len(self.bias) != width or any(len(row) != width for row in rows.values()):
            raise ValueError("intent model: a weight row does not have one weight per class")
        self._row = {f: i * width for i, f in enumerate(rows)}
        self._flat = array("f", (v for row in rows.values() for v in row))

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(self._row)

    def probabilities(self, text: str) -> dict[str, float]:
        """P(class | utterance) for every class (softmax over the summed weights)."""
        logits = list(self.bias)
        width, flat = len(logits), self._flat
        for feature in features(text):
            at = self._row.get(feature)
            if at is not None:
                for j in range(width):
                    logits[j] += flat[at + j]
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def as_json(self) -> dict[str, Any]:
        """Weights as integers in units of 10^-DIGITS: a small file that reads back exactly."""
        scale = 10**DIGITS
        return {
            "format": FORMAT,
            "classes": list(self.classes),
            "bias": [round(v * scale) for v in self.bias],
            "features": list(self._row),
            "weights": [round(v * scale) for v in self._flat],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IntentModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"intent model format {data.get('format')!r}, expected {FORMAT}")
        scale = 10**DIGITS
        classes = [str(c) for c in data["classes"]]
        width, flat = len(classes), data["weights"]
        if len(flat) != width * len(data["features"]):
            raise ValueError("intent model: the weights do not fill one row per feature")
        rows = {
            str(f): [v / scale for v in flat[i * width : (i + 1) * width]]
            for i, f in enumerate(data["features"])
        }
        return cls(classes, [v / scale for v in data["bias"]], rows)


@cache
def intent_model(path: Path = MODEL_FILE) -> IntentModel | None:
    """The bundled Mandarin intent model, loaded once (None when the file is missing or broken —
    the rule layer then decides alone)."""
    try:
        return IntentModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


# ---- training (numpy; never imported by the kiosk at run time) ----------------------------------

L2 = 1e-3  # per-example weight decay: keeps rare n-grams from carrying a decision alone
STEPS = 80
RATE = 0.15
MIN_COUNT = 2  # a feature seen in fewer training utterances is left out (noise, and file size)
DIGITS = 4  # weights are rounded so the committed file is small and reproducible across machines


def train(cases: Iterable[tuple[str, str | None]], classes: Sequence[str] | None = None) -> IntentModel:
    """Fit the model to (utterance, intent or None) cases. Deterministic: full-batch Adam from zero
    weights over the cases in sorted order, weights rounded."""
    import numpy as np

    data = sorted({(normalise(t), e or NONE) for t, e in cases if normalise(t)})
    labels = sorted({e for _, e in data}) if classes is None else list(classes)
    index = {c: i for i, c in enumerate(labels)}
    found = [features(t) for t, _ in data]
    counts: dict[str, int] = {}
    for row in found:
        for f in row:
            counts[f] = counts.get(f, 0) + 1
    vocab = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    column = {f: j for j, f in enumerate(vocab)}
    n, k, width = len(data), len(vocab), len(labels)
    row_ids = np.array([i for i, row in enumerate(found) for f in row if f in column], dtype=np.int64)
    col_ids = np.array([column[f] for row in found for f in row if f in column], dtype=np.int64)
    rows_present = np.unique(row_ids)  # (row_ids ascend: rows are listed in order)
    row_starts = np.searchsorted(row_ids, rows_present)
    by_col = np.argsort(col_ids, kind="stable")
    col_sorted, row_by_col = col_ids[by_col], row_ids[by_col]
    present = np.unique(col_sorted)
    starts = np.searchsorted(col_sorted, present)
    target = np.zeros((n, width))
    target[np.arange(n), [index[e] for _, e in data]] = 1.0

    def gradient(w: Any, b: Any) -> tuple[Any, Any]:
        logits = np.zeros((n, width)) + b
        logits[rows_present] += np.add.reduceat(w[col_ids], row_starts, axis=0)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - target) / n
        gw = np.zeros((k, width))
        gw[present] = np.add.reduceat(g[row_by_col], starts, axis=0)
        return gw + L2 * w, g.sum(axis=0)

    # Adam: a rare n-gram's gradient is tiny beside the bias's, and a per-weight step size lets it
    # learn in a few hundred steps instead of tens of thousands
    w, b = np.zeros((k, width)), np.zeros(width)
    mw, vw, mb, vb = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    for step in range(1, STEPS + 1):
        gw, gb = gradient(w, b)
        mw, mb = 0.9 * mw + 0.1 * gw, 0.9 * mb + 0.1 * gb
        vw, vb = 0.999 * vw + 0.001 * gw * gw, 0.999 * vb + 0.001 * gb * gb
        scale = RATE * math.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        w -= scale * mw / (np.sqrt(vw) + 1e-8)
        b -= scale * mb / (np.sqrt(vb) + 1e-8)
    scale = 10**DIGITS
    rows = {f: [round(float(v) * scale) / scale for v in w[j]] for f, j in column.items()}
    return IntentModel(labels, [round(float(v) * scale) / scale for v in b], rows)
