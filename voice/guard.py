"""Never speak an ID number or a PIN: digit runs of six or more (ASCII, full-width or Chinese
numerals, with spaces/dashes between digits, an ID's final X) and any digits after a PIN/密码 word
are replaced by a neutral word before text reaches the speech engine.
"""

from __future__ import annotations

import re

_DIGIT = r"[0-9０-９零〇一二三四五六七八九幺两]"
_RUN = re.compile(rf"{_DIGIT}(?: ?{_DIGIT}){{5,}}[xX]?")
_PIN = re.compile(rf"(PIN|pin|密码|口令|비밀번호|password)(\s*[:：是为]?\s*){_DIGIT}(?:[\s\-]?{_DIGIT})*")
MASK_WORD = {"zh_CN": "号码已隐藏", "en": "number hidden", "ko": "번호 생략"}


def mask_sensitive(text: str, locale: str = "zh_CN") -> str:
    word = MASK_WORD.get(locale, MASK_WORD["zh_CN"])
    text = _PIN.sub(lambda m: f"{m.group(1)}{m.group(2)}{word}", text)
    return _RUN.sub(word, text)
