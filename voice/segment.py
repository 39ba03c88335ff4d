"""Word segmentation for the intent layer, per locale, offline.

- zh_CN: jieba (its dictionary ships inside the package), in our own `jieba.Tokenizer` so nothing
  global is touched. The concept words of the catalogue are added as words, so "不舒服" or "下水道"
  stay one token whatever spacing Vosk printed. jieba caches its *public* prefix dictionary (never
  anything a resident said: words added later are not dumped) — in the app's cache directory with
  owner-only permissions, not in the shared temp directory where jieba puts it by default.
- ko: words split on spaces; particles and verb endings stripped, so "연금을", "연금이요" → "연금".
- en: lower-case words, a light plural/-ing stemmer.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir

_lock = threading.Lock()
_tokenizer: Any = None
_added: set[str] = set()
_HANZI = re.compile(r"[\u3400-\u9fff]")
_NON_WORD = re.compile(r"[^\w\s']+")


def cache_dir() -> Path:
    """Where jieba's dictionary cache lives: $YIZHAN_CACHE_DIR/jieba or the user cache dir."""
    base = os.environ.get("YIZHAN_CACHE_DIR") or user_cache_dir("yizhan")
    return Path(base) / "jieba"


def _jieba() -> Any:
    """The process's jieba tokenizer, built once (≈ 0.5 s from cache, a few seconds without)."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)  # its debug lines would only name the cache file
            tokenizer = jieba.Tokenizer()
            folder = cache_dir()
            try:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                tokenizer.tmp_dir = str(folder)
            except OSError:
                tokenizer.tmp_dir = None  # unwritable: jieba rebuilds each start, writes nothing useful
                tokenizer.cache_file = os.devnull
            tokenizer.initialize()
            _tokenizer = tokenizer
        return _tokenizer


def add_words(words: Iterable[str]) -> None:
    """Teach the segmenter whole concept words (idempotent)."""
    new = [w for w in words if w and _HANZI.search(w) and w not in _added]
    if not new:
        return
    tokenizer = _jieba()
    with _lock:
        for word in new:
            if word not in _added:
                tokenizer.add_word(word)  # jieba's suggested frequency: kept whole, not forced on neighbours
                _added.add(word)
        zh_words.cache_clear()


@lru_cache(maxsize=4096)
def zh_words(text: str) -> tuple[str, ...]:
    """Chinese text (Vosk's spaces removed first — its segmentation is unreliable) → jieba words."""
    joined = "".join(_NON_WORD.sub(" ", unicodedata.normalize("NFKC", text)).split())
    if not joined:
        return ()
    return tuple(w for w in _jieba().lcut(joined, HMM=False) if w.strip())


# Korean (one word at a time): longest first, so "에서" goes before "에" and "해주세요" before "요".
KO_ENDINGS = (
    "하고싶어요", "해주세요", "해줘요", "주시겠어요", "주세요", "줘요", "해줘", "싶어요", "싶어",
    "할래요", "할게요", "합니다", "입니다", "이에요", "예요", "이요", "해요",
    "에서", "으로", "부터", "까지", "한테", "에게", "께서", "은", "는", "이", "가", "을", "를", "에", "로",
    "도", "만", "요", "좀",
)  # fmt: skip


def ko_stem(word: str) -> str:
    """One Korean word without its particle or polite ending (never shorter than one syllable)."""
    for ending in KO_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending):
            return word[: -len(ending)]
    return word


@lru_cache(maxsize=4096)
def ko_words(text: str) -> tuple[str, ...]:
    cleaned = _NON_WORD.sub(" ", unicodedata.normalize("NFC", text))
    return tuple(ko_stem(w) for w in cleaned.split() if w)


def en_stem(word: str) -> str:
    for ending, keep in (("ies", "y"), ("ing", ""), ("es", ""), ("s", "")):
        if word.endswith(ending) and len(word) - len(ending) >= 3 and not word.endswith("ss"):
            return word[: -len(ending)] + keep
    return word


@lru_cache(maxsize=4096)
def en_words(text: str) -> tuple[str, ...]:
    cleaned = _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).lower().replace("’", "'"))
    return tuple(en_stem(w.strip("'")) for w in cleaned.split() if w.strip("'"))


def zh_word_frequency(word: str) -> int:
    """How often jieba's dictionary has seen `word` as a word (0 when it is not one of its words)."""
    return int(_jieba().FREQ.get(word) or 0)
