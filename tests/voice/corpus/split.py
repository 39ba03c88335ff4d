"""Split zh_home.tsv ONCE, at random with a fixed seed, into a tuning half and a test half.

Run once, before tuning the concept tables; both halves are committed and never regenerated, so
the test half stays unseen while the tables are tuned on the other half:
    python -m tests.voice.corpus.split
"""

from __future__ import annotations

import random

from tests.voice.corpus import HERE, NONE, read_corpus

SEED = 20261127
HEADER = "# {half} half of zh_home.tsv (split once by split.py, seed {seed}); columns: intent<TAB>utterance\n"


def main() -> None:
    cases = read_corpus("zh_home.tsv")
    order = list(range(len(cases)))
    random.Random(SEED).shuffle(order)
    half = len(order) // 2
    for name, picked in (("tune", sorted(order[:half])), ("test", sorted(order[half:]))):
        lines = [HEADER.format(half=name, seed=SEED)]
        lines += [f"{cases[i][1] or NONE}\t{cases[i][0]}\n" for i in picked]
        (HERE / f"zh_{name}.tsv").write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
