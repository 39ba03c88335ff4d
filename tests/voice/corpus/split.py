"""Split a corpus ONCE, at random with a fixed seed, into a tuning half and a test half.

Run once, before tuning the concept tables; both halves are committed and never regenerated, so
the test half stays unseen while the tables are tuned on the other half:
    python -m tests.voice.corpus.split

Six corpora: zh_home.tsv (first round; its test half was later read while fixing misses, so it
counts as seen), zh_fresh.tsv (second round; its test half was used for a reported figure in session
19, so it counts as seen too), zh_fresh2.tsv (session 20; its test half was reported and then read for
a help fix, so it is seen as well), zh_fresh3.tsv (session 21; its test half was reported and its
misses listed, so it is seen now), zh_fresh4.tsv (session 22; its test half was used for a reported
figure, so it counts as seen now) and zh_fresh5.tsv (session 23, written by an engineer who did not
tune the intent layer and split before any run; its test half is the one reported).
"""

from __future__ import annotations

import random

from tests.voice.corpus import HERE, NONE, read_corpus

# corpus stem → (seed, name of the halves' files)
SPLITS = {
    "zh_home": (20261127, "zh_{half}.tsv"),
    "zh_fresh": (20261128, "zh_fresh_{half}.tsv"),
    "zh_fresh2": (20261129, "zh_fresh2_{half}.tsv"),
    "zh_fresh3": (20261130, "zh_fresh3_{half}.tsv"),
    "zh_fresh4": (20261201, "zh_fresh4_{half}.tsv"),
    "zh_fresh5": (20261202, "zh_fresh5_{half}.tsv"),
}
HEADER = "# {half} half of {stem}.tsv (split once by split.py, seed {seed}); columns: intent<TAB>utterance\n"


def split(stem: str) -> None:
    seed, pattern = SPLITS[stem]
    cases = read_corpus(f"{stem}.tsv")
    order = list(range(len(cases)))
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    for name, picked in (("tune", sorted(order[:half])), ("test", sorted(order[half:]))):
        lines = [HEADER.format(half=name, stem=stem, seed=seed)]
        lines += [f"{cases[i][1] or NONE}\t{cases[i][0]}\n" for i in picked]
        (HERE / pattern.format(half=name)).write_text("".join(lines), encoding="utf-8")


def main() -> None:
    for stem in SPLITS:
        split(stem)


if __name__ == "__main__":
    main()
