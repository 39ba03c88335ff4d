"""Text normalisation for intent matching: per locale, a phrase becomes a list of comparable tokens.

- zh_CN: Vosk's spaces and filler words removed, characters → toneless pinyin syllables, then the
  southern-dialect fuzzy rules (z/zh c/ch s/sh, n/l, f/h, an/ang, en/eng, in/ing, ian/iang) fold
  confusable syllables onto one spelling, so 四/是 or 南/蓝 compare equal.
- ko: Hangul syllables (compared by their jamo), fillers and the polite ending 요 removed.
- en: lower-case words without fillers.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import lazy_pinyin

_NON_WORD = re.compile(r"[^\w\s']+")
_SPACES = re.compile(r"\s+")
_UNK = re.compile(r"\[unk\]|<unk>|<spoken_noise>", re.IGNORECASE)

ZH_FILLERS = (
    "那个", "这个", "就是", "然后", "请问", "麻烦你", "麻烦", "帮我", "给我", "我想要", "我想", "我要",
    "一下",
    "嗯", "啊", "呃", "哦", "唉", "哎", "呀", "啦", "吧", "呢", "吗", "哈", "噢", "喔", "嘛",
)  # fmt: skip
KO_FILLERS = ("음", "어", "저기요", "저기", "그러니까", "좀")
EN_FILLERS = frozenset({"um", "uh", "er", "erm", "please", "hmm", "ah", "oh", "well", "like", "the", "a"})

_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"), ("f", "h"))
_FINALS = (("iang", "ian"), ("ang", "an"), ("eng", "en"), ("ing", "in"))


def strip_unk(text: str) -> str:
    return _UNK.sub(" ", text)


def fold_syllable(syllable: str) -> str:
    """One toneless pinyin syllable → its dialect-tolerant form."""
    s = syllable.lower().replace("ü", "v")
    for src, dst in _INITIALS:
        if s.startswith(src):
            s = dst + s[len(src) :]
            break
    for src, dst in _FINALS:
        if s.endswith(src):
            s = s[: -len(src)] + dst
            break
    return s


def _collapse_repeats(text: str) -> str:
    """对对对 → 对, 好的好的 → 好的: repetition adds no meaning."""
    for size in (4, 3, 2, 1):
        text = re.sub(rf"(.{{{size}}})\1+", r"\1", text)
    return text


def _strip_fillers(text: str, fillers: tuple[str, ...]) -> str:
    stripped = text
    for filler in fillers:
        stripped = stripped.replace(filler, "")
    return stripped or text  # a phrase made only of fillers keeps its words


@lru_cache(maxsize=4096)
def zh_tokens(text: str) -> tuple[str, ...]:
    cleaned = _SPACES.sub("", _NON_WORD.sub("", strip_unk(unicodedata.normalize("NFKC", text))))
    cleaned = _collapse_repeats(_strip_fillers(cleaned, ZH_FILLERS))
    syllables = lazy_pinyin(cleaned, errors="ignore")
    return tuple(fold_syllable(s) for s in syllables if s.strip())


@lru_cache(maxsize=4096)
def ko_tokens(text: str) -> tuple[str, ...]:
    cleaned = _SPACES.sub("", _NON_WORD.sub("", strip_unk(unicodedata.normalize("NFC", text))))
    cleaned = _strip_fillers(cleaned, KO_FILLERS)
    if len(cleaned) > 1 and cleaned.endswith("요"):
        cleaned = cleaned[:-1]
    cleaned = _collapse_repeats(cleaned)
    return tuple(unicodedata.normalize("NFD", ch) for ch in cleaned)


@lru_cache(maxsize=4096)
def en_tokens(text: str) -> tuple[str, ...]:
    cleaned = _NON_WORD.sub(" ", strip_unk(unicodedata.normalize("NFKC", text)).lower())
    words = [w.strip("'") for w in cleaned.split()]
    kept = [w for w in words if w and w not in EN_FILLERS]
    return tuple(kept or [w for w in words if w])


def tokens(text: str, locale: str) -> tuple[str, ...]:
    if locale.startswith("zh"):
        return zh_tokens(text)
    if locale.startswith("ko"):
        return ko_tokens(text)
    return en_tokens(text)
