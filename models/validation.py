"""Validation and cleaning of what residents and volunteers type or say: ID numbers (GB 11643),
phone numbers, names and free text. Every refusal carries a kind message in zh_CN, en and ko.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Province-level codes of GB/T 2260 (first two digits of an ID number).
_PROVINCES = frozenset(
    {
        11,
        12,
        13,
        14,
        15,
        21,
        22,
        23,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        41,
        42,
        43,
        44,
        45,
        46,
        50,
        51,
        52,
        53,
        54,
        61,
        62,
        63,
        64,
        65,
        71,
        81,
        82,
        83,
    }
)
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
# Cc and Cf (control and format) characters are never meaningful in a form field.
_KEEP_IN_TEXT = {"\n"}

MAX_NAME = 40
MAX_ADDRESS = 120
MAX_TEXT = 500


@dataclass(frozen=True)
class Problem:
    """One reason an input was refused, in every UI language."""

    code: str
    zh_CN: str
    en: str
    ko: str

    def message(self, locale: str = "zh_CN") -> str:
        return {"en": self.en, "ko": self.ko}.get(locale, self.zh_CN)


class ValidationError(ValueError):
    def __init__(self, problem: Problem, field: str = "") -> None:
        super().__init__(problem.zh_CN if not field else f"{field}: {problem.zh_CN}")
        self.problem = problem
        self.field = field

    def message(self, locale: str = "zh_CN") -> str:
        return self.problem.message(locale)


ID_EMPTY = Problem(
    "id_empty", "请输入身份证号码。", "Please enter the ID number.", "신분증 번호를 입력해 주세요."
)
ID_LENGTH = Problem(
    "id_length",
    "身份证号码应该是18位，请再核对一下。",
    "An ID number has 18 characters. Please check it again.",
    "신분증 번호는 18자리입니다. 다시 확인해 주세요.",
)
ID_CHARS = Problem(
    "id_chars",
    "身份证号码只能是数字，最后一位可以是X。",
    "An ID number has only digits; the last one may be X.",
    "신분증 번호는 숫자만 가능하며 마지막은 X일 수 있습니다.",
)
ID_REGION = Problem(
    "id_region",
    "身份证号码的开头不对，请再核对一下。",
    "The start of the ID number is not a valid region. Please check it.",
    "신분증 번호 앞자리가 올바르지 않습니다.",
)
ID_DATE = Problem(
    "id_date",
    "身份证号码里的出生日期不对，请再核对一下。",
    "The birth date inside the ID number is not valid. Please check it.",
    "신분증 번호의 생년월일이 올바르지 않습니다.",
)
ID_CHECKSUM = Problem(
    "id_checksum",
    "身份证号码有一位不对，请再核对一下，或请志愿者帮忙。",
    "One digit of the ID number is wrong. Please check it or ask a volunteer.",
    "신분증 번호 한 자리가 틀렸습니다. 다시 확인하거나 자원봉사자에게 도움을 요청하세요.",
)
PHONE_INVALID = Problem(
    "phone_invalid",
    "电话号码不对：手机是1开头的11位数字，座机要带区号。",
    "That phone number is not valid: a mobile has 11 digits starting with 1; a landline needs its area code.",
    "전화번호가 올바르지 않습니다.",
)
NAME_EMPTY = Problem("name_empty", "请输入姓名。", "Please enter a name.", "이름을 입력해 주세요.")
TOO_LONG = Problem(
    "too_long",
    "内容太长了，请说得简短一些。",
    "That is too long. Please make it shorter.",
    "내용이 너무 깁니다. 짧게 해 주세요.",
)


def clean_text(value: str, *, max_length: int = MAX_TEXT, multiline: bool = False) -> str:
    """NFC-normalise, drop control/format characters, trim; refuse (not truncate) overlong text so
    nothing the resident said is silently lost."""
    value = unicodedata.normalize("NFC", value)
    kept = "".join(
        ch
        for ch in value
        if (multiline and ch in _KEEP_IN_TEXT) or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    kept = kept.strip()
    if len(kept) > max_length:
        raise ValidationError(TOO_LONG)
    return kept


def clean_name(value: str) -> str:
    name = " ".join(clean_text(value, max_length=MAX_NAME).split())
    if not name:
        raise ValidationError(NAME_EMPTY, "name")
    return name


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(value: str, *, today: dt.date | None = None) -> str:
    """Return the canonical 18-character ID number or raise ValidationError (GB 11643-1999)."""
    raw = unicodedata.normalize("NFKC", value).strip().replace(" ", "").upper()
    if not raw:
        raise ValidationError(ID_EMPTY, "id_number")
    if len(raw) != 18:
        raise ValidationError(ID_LENGTH, "id_number")
    if not raw[:17].isascii() or not raw[:17].isdigit() or not (raw[17].isdigit() or raw[17] == "X"):
        raise ValidationError(ID_CHARS, "id_number")
    if int(raw[:2]) not in _PROVINCES:
        raise ValidationError(ID_REGION, "id_number")
    birth = birth_date_from_id(raw)
    today = today or dt.date.today()
    if birth is None or birth.year < 1890 or birth > today:
        raise ValidationError(ID_DATE, "id_number")
    if id_check_char(raw[:17]) != raw[17]:
        raise ValidationError(ID_CHECKSUM, "id_number")
    return raw


def birth_date_from_id(id_number: str) -> dt.date | None:
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def mask_id_number(id_number: str) -> str:
    """`3201**********1234`: enough for a volunteer to tell residents apart, no more."""
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def normalize_phone(value: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not digits.isascii() or not (_MOBILE.match(digits) or _LANDLINE.match(digits)):
        raise ValidationError(PHONE_INVALID, "phone")
    return digits


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "*" * len(phone)
