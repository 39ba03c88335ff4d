"""The Korean phrasings' halves are frozen: the split made with each seed is the one committed before
anything was measured on it (its digest is recorded here), so a later edit of the lists or the seeds
cannot quietly move phrasings between the tuning and the held-out half."""

from __future__ import annotations

import hashlib
import json

from tests.voice.ko_phrasings import FRESH2, KO2_HELDOUT, KO2_TUNE, KO_PHRASINGS, split2

# sha256 of json.dumps(half, ensure_ascii=False), first 16 hex digits, taken when FRESH2 was frozen
KO2_HELDOUT_DIGEST = "45927a68089929af"
KO2_TUNE_DIGEST = "d9a447f30b7bf7dd"


def _digest(half: list[tuple[str, str]]) -> str:
    return hashlib.sha256(json.dumps(half, ensure_ascii=False).encode()).hexdigest()[:16]


def test_second_korean_split_is_frozen_and_fresh() -> None:
    assert len(FRESH2) >= 40 and len({p for _, p in FRESH2}) == len(FRESH2)
    assert not {p for _, p in FRESH2} & {p for _, p in KO_PHRASINGS}  # none seen before
    assert split2() == (KO2_TUNE, KO2_HELDOUT)  # the seeded split reproduces itself
    assert sorted(KO2_TUNE + KO2_HELDOUT) == sorted(FRESH2)
    assert (_digest(KO2_TUNE), _digest(KO2_HELDOUT)) == (KO2_TUNE_DIGEST, KO2_HELDOUT_DIGEST)
