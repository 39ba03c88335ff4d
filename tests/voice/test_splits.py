"""The Korean phrasings' and the newest Mandarin corpus's halves are frozen: the split made with each
seed is the one committed before anything was measured on it (its digest is recorded here), so a later
edit of the lists, the files or the seeds cannot quietly move utterances between the tuning and the
held-out half."""

from __future__ import annotations

import hashlib
import json

from tests.voice.corpus import HERE
from tests.voice.ko_phrasings import FRESH2, KO2_HELDOUT, KO2_TUNE, KO_PHRASINGS, split2

# sha256 of json.dumps(half, ensure_ascii=False), first 16 hex digits, taken when FRESH2 was frozen
KO2_HELDOUT_DIGEST = "45927a68089929af"
KO2_TUNE_DIGEST = "d9a447f30b7bf7dd"
# sha256 of the committed zh_fresh4 halves' bytes, first 16 hex digits, taken when they were committed
# (before any run through the intent layer); split.py reproducing them is checked in test_concepts.py
ZH4_FILE_DIGESTS = {"zh_fresh4_tune.tsv": "60d9690de92cbe8b", "zh_fresh4_test.tsv": "46f2e6131c391837"}
# the same for the zh_fresh5 halves, taken when they were committed (written by an engineer who did not
# tune the intent layer, and split before any run through it)
ZH5_FILE_DIGESTS = {"zh_fresh5_tune.tsv": "30d3af8d7aee5daf", "zh_fresh5_test.tsv": "ef3aafd9ebc619c6"}


def _digest(half: list[tuple[str, str]]) -> str:
    return hashlib.sha256(json.dumps(half, ensure_ascii=False).encode()).hexdigest()[:16]


def test_second_korean_split_is_frozen_and_fresh() -> None:
    assert len(FRESH2) >= 40 and len({p for _, p in FRESH2}) == len(FRESH2)
    assert not {p for _, p in FRESH2} & {p for _, p in KO_PHRASINGS}  # none seen before
    assert split2() == (KO2_TUNE, KO2_HELDOUT)  # the seeded split reproduces itself
    assert sorted(KO2_TUNE + KO2_HELDOUT) == sorted(FRESH2)
    assert (_digest(KO2_TUNE), _digest(KO2_HELDOUT)) == (KO2_TUNE_DIGEST, KO2_HELDOUT_DIGEST)


def test_fourth_mandarin_split_is_frozen() -> None:
    for name, digest in ZH4_FILE_DIGESTS.items():
        assert hashlib.sha256((HERE / name).read_bytes()).hexdigest()[:16] == digest, name


def test_fifth_mandarin_split_is_frozen() -> None:
    for name, digest in ZH5_FILE_DIGESTS.items():
        assert hashlib.sha256((HERE / name).read_bytes()).hexdigest()[:16] == digest, name
