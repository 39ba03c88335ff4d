"""ID numbers (GB 11643), phones and free text: accepted when right, refused kindly when wrong."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.validation import (
    ValidationError,
    clean_text,
    id_check_char,
    mask_id_number,
    normalize_id_number,
    normalize_phone,
)

# Published examples of valid check digits, incl. X.
KNOWN_VALID = ["11010519491231002X", "110101199003074477"]


@pytest.mark.parametrize("number", KNOWN_VALID)
def test_known_valid_numbers(number: str) -> None:
    assert normalize_id_number(number) == number


def test_lowercase_x_and_spaces_are_normalised() -> None:
    assert normalize_id_number(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("", "id_empty"),
        ("1101051949123100", "id_length"),
        ("11010519491231002Y", "id_chars"),
        ("99010519491231002X", "id_region"),
        ("110105194902300020", "id_date"),
        ("110105194912310021", "id_checksum"),
    ],
)
def test_invalid_numbers_say_why(number: str, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_id_number(number)
    assert info.value.problem.code == code
    assert info.value.message("zh_CN") and info.value.message("en") and info.value.message("ko")


def test_future_birth_date_refused() -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    body = f"110105{tomorrow:%Y%m%d}002"
    with pytest.raises(ValidationError) as info:
        normalize_id_number(body + id_check_char(body))
    assert info.value.problem.code == "id_date"


dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31))


@given(
    birth=dates, order=st.integers(0, 999), region=st.sampled_from(["110105", "320102", "440524", "650102"])
)
def test_every_number_with_its_check_digit_is_valid(birth: dt.date, order: int, region: str) -> None:
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    assert normalize_id_number(body + id_check_char(body)) == body + id_check_char(body)


@given(birth=dates, order=st.integers(0, 999), wrong=st.sampled_from("0123456789X"))
def test_any_other_check_digit_is_refused(birth: dt.date, order: int, wrong: str) -> None:
    body = f"320102{birth:%Y%m%d}{order:03d}"
    if wrong == id_check_char(body):
        return
    with pytest.raises(ValidationError):
        normalize_id_number(body + wrong)


@given(st.text(max_size=40))
def test_validator_never_crashes_on_any_text(text: str) -> None:
    with contextlib.suppress(ValidationError):
        assert len(normalize_id_number(text)) == 18


def test_single_digit_typo_always_caught() -> None:
    number = "11010519491231002X"
    for pos in range(17):
        for digit in "0123456789":
            if digit == number[pos]:
                continue
            typo = number[:pos] + digit + number[pos + 1 :]
            with pytest.raises(ValidationError):
                normalize_id_number(typo)


def test_mask_shows_only_ends() -> None:
    assert mask_id_number("32010219500101001X") == "3201**********001X"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("138 1234 5678", "13812345678"), ("+86-13812345678", "13812345678"), ("025-84561234", "02584561234")],
)
def test_phone_normalised(raw: str, clean: str) -> None:
    assert normalize_phone(raw) == clean


@pytest.mark.parametrize("raw", ["12345", "23812345678", "1381234567x", "电话"])
def test_bad_phone_refused(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_phone(raw)
    assert "电话号码" in info.value.message()


def test_control_characters_stripped_and_overlong_refused() -> None:
    assert clean_text("路灯\x00坏了\u200b\x1b") == "路灯坏了"
    assert clean_text("第一行\n第二行", multiline=True) == "第一行\n第二行"
    with pytest.raises(ValidationError) as info:
        clean_text("长" * 501)
    assert info.value.problem.code == "too_long"


# --- check digits against independent sources ------------------------------------------------
# The two examples printed in GB 11643-1999 itself, and the vectors of python-stdnum's cn.ric
# doctests (tests/test_cn_ric.doctest: valid numbers and the ones refused only for their place).
GB11643_EXAMPLES = ["11010519491231002X", "440524188001010014"]
STDNUM_VALID = [
    "360426199101010071",
    "44011320141005001X",
    "412723199010050012",
    "110102199101010078",
    "120110198012010073",
    "120110199212010072",
    "110111198012010078",
    "110201199312010077",
]
STDNUM_BAD_CHECKSUM = ["36042619910102009X"]


@pytest.mark.parametrize("number", GB11643_EXAMPLES + STDNUM_VALID)
def test_published_numbers_have_the_check_char_we_compute(number: str) -> None:
    assert id_check_char(number[:17]) == number[17]


@pytest.mark.parametrize("number", STDNUM_VALID + GB11643_EXAMPLES[:1])
def test_published_numbers_are_accepted(number: str) -> None:
    assert normalize_id_number(number.lower()) == number


@pytest.mark.parametrize("number", STDNUM_BAD_CHECKSUM)
def test_published_bad_checksums_are_refused(number: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_id_number(number)
    assert info.value.problem.code == "id_checksum"


def test_check_chars_agree_with_python_stdnum_for_every_remainder() -> None:
    """python-stdnum computes the check digit another way (a base-13 identity, not the weights);
    both must agree on generated numbers, and the sample must reach all 11 check characters —
    including X (remainder 2) and 9 (remainder 3), the ones a table slip would get wrong."""
    import random

    from stdnum.cn import ric

    rng = random.Random(11643)
    seen: dict[str, str] = {}
    for _ in range(3000):
        body = (
            f"{rng.choice(['110105', '320102', '440524', '530102'])}{rng.randrange(1900, 2020)}"
            f"{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
        )
        ours = id_check_char(body)
        assert ours == ric.calc_check_digit(body + "0"), body
        number = body + ours
        assert normalize_id_number(number) == number
        wrong = "X" if ours != "X" else "0"
        with pytest.raises(ValidationError) as refused:
            normalize_id_number(body + wrong)
        assert refused.value.problem.code == "id_checksum"
        seen.setdefault(ours, number)
    assert sorted(seen) == sorted("0123456789X"), seen
    assert seen["X"][17] == "X" and seen["9"][17] == "9"
