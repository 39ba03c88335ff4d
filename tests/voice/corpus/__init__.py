"""Utterance corpora for the intent layer, read from tab-separated files next to this module."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
NONE = "-"  # expected intent column: this utterance must trigger nothing


def read_corpus(name: str) -> list[tuple[str, str | None]]:
    """(utterance, expected intent or None) from `HERE/name`, comments and blank lines skipped."""
    cases: list[tuple[str, str | None]] = []
    for number, line in enumerate((HERE / name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        expected, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise ValueError(f"{name}:{number}: expected 'intent<TAB>utterance'")
        cases.append((text.strip(), None if expected == NONE else expected))
    return cases
