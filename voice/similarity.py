"""Edit-distance similarity over token lists (pinyin syllables, Hangul jamo clusters, words).

A substitution costs the normalised character distance between the two tokens, so `bao`/`pao` is
cheaper than `bao`/`xin`. `best_match` aligns a phrase against the whole utterance or, for longer
phrases, against its best-matching stretch (the resident said more than the phrase).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache


@lru_cache(maxsize=65536)
def char_distance(a: str, b: str) -> float:
    """Levenshtein distance between two tokens divided by the longer length (0 same … 1 different)."""
    if a == b:
        return 0.0
    if not a or not b:
        return 1.0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] / max(len(a), len(b))


def align(text: Sequence[str], phrase: Sequence[str], local: bool) -> float:
    """Cost of turning `phrase` into `text` (or, if `local`, into the best stretch of `text`).

    The intent layer's hottest loop (every catalogue phrase against every utterance): written with
    local names and two-way comparisons instead of min() of three, and each phrase token's
    substitution costs looked up once per row — the same arithmetic, about twice as fast."""
    m = len(text)
    previous = [0.0] * (m + 1) if local else [float(j) for j in range(m + 1)]
    for i, token in enumerate(phrase, 1):
        costs = [char_distance(token, t) for t in text]
        left = float(i)
        current = [left]
        append = current.append
        for j in range(m):
            up = previous[j + 1] + 1.0
            side = left + 1.0
            left = up if up < side else side
            diagonal = previous[j] + costs[j]
            if diagonal < left:
                left = diagonal
            append(left)
        previous = current
    return min(previous) if local else previous[-1]


def phrase_score(text: Sequence[str], phrase: Sequence[str]) -> float:
    """0..1: 1 for the same tokens; extra words around a long phrase cost a little, errors cost more.

    Short phrases (1–2 tokens) are strict: they must be (nearly) the whole utterance, otherwise
    "是" would fire inside any sentence that contains 是.
    """
    n, m = len(phrase), len(text)
    if n == 0 or m == 0:
        return 0.0
    if tuple(text) == tuple(phrase):
        return 1.0
    if n <= 2 and (n <= 1 or m > n + 1):
        whole = max(0.0, 1.0 - align(text, phrase, local=False) / max(n, m))
        # one syllable: only an exact (dialect-folded) match counts
        return whole * 0.6 if n <= 1 else whole
    local = max(0.0, 1.0 - align(text, phrase, local=True) / n)
    coverage = min(1.0, n / m)
    # a fuzzy stretch inside a longer sentence is weak evidence: squared, so only near-exact counts
    stretch = local * local * (0.8 + 0.2 * coverage)
    # the whole-utterance alignment costs at least the length difference: when even that bound
    # cannot beat the stretch, it need not be computed (the same result, half the work on long speech)
    if 1.0 - abs(n - m) / max(n, m) <= stretch:
        return stretch
    whole = max(0.0, 1.0 - align(text, phrase, local=False) / max(n, m))
    return max(whole, stretch)
