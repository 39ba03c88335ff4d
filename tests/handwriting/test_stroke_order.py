"""Stroke order: the standard order guessed from geometry (handwriting/order.py) and the recogniser
reading both the drawn and the guessed order.

The characters drawn by code (tests/handwriting/glyphs.py, 35 characters) are split in two halves by
character. The merge rule was chosen on the first half (tuning: 一三人口土上日山木干五目由古八天米井);
the second half (held out: 二十大工王下中田千丰正白甲小士夫开) is measured here. Each character is drawn
in three hands (neat; tilted 7° with a tremor; tilted back, smaller and off-centre), in the standard
order and in up to four wrong orders (verticals first, last stroke first, first two swapped,
backwards).

Tuning half, top-1 on wrong orders (159 drawings): Zinnia alone 9; merged by score with no handicap
82, with the standard reading favoured by 0.3 99, by 1.0 115; interleaved 126 (top-5 137). On a
correctly ordered character whose order guess is wrong (simulated, 53), interleaving keeps the right
character in the top five 47 times, where always trusting the guess keeps it 12 times.
"""

from __future__ import annotations

from typing import Any

import pytest

from handwriting import default_recognizer, parse_ink
from handwriting.order import crosses, kind, reordered, standard_order
from handwriting.recognizer import interleave, text_candidates
from handwriting.strokes import normalized
from tests.handwriting.glyphs import GLYPHS, HANDS, MORE_GLYPHS, order_cases, place, wrong_orders

EVERY = {**GLYPHS, **MORE_GLYPHS}
HELD_OUT = "".join(EVERY)[1::2]  # the tuning half is "".join(EVERY)[0::2]


def test_the_standard_order_comes_back_from_any_wrong_order() -> None:
    missed = []
    for char, strokes in EVERY.items():
        for hand, how in HANDS.items():
            orders = {"standard order": list(range(len(strokes))), **wrong_orders(strokes)}
            for name, order in orders.items():
                ink = parse_ink(place([strokes[i] for i in order], **how))  # type: ignore[arg-type]
                # Drawn stroke k is standard stroke order[k]: the standard order lists where each went.
                if list(standard_order(ink)) != [order.index(i) for i in range(len(strokes))]:
                    missed.append(f"{char} {hand} {name}")
    # The one hand that fools the rules: 山 tilted back, where its right stroke starts highest.
    assert missed and all(label.startswith("山 tilted back") for label in missed), missed


def test_the_rules_behind_the_guess() -> None:
    ten = normalized(parse_ink(place(GLYPHS["十"])))
    assert [kind(s) for s in ten.strokes] == ["h", "v"] and crosses(*ten.strokes)
    field = normalized(parse_ink(place(GLYPHS["田"])))
    assert not crosses(field.strokes[1], field.strokes[3])  # the middle 丨 only touches the top
    assert crosses(field.strokes[2], field.strokes[3])  # and crosses the middle 一


def rates(rows: list[tuple[str, list[str]]]) -> tuple[int, int, int]:
    top1 = sum(got[:1] == [char] for char, got in rows)
    top5 = sum(char in got[:5] for char, got in rows)
    return top1, top5, len(rows)


@pytest.fixture(scope="module")
def held_out() -> dict[str, list[tuple[str, str, list[str], list[str]]]]:
    """Per case: (label, character, Zinnia alone, with the standard-order reading interleaved)."""
    recognizer = default_recognizer()
    out: dict[str, list[tuple[str, str, list[str], list[str]]]] = {"standard": [], "wrong": []}
    for label, char, doc in order_cases(HELD_OUT):
        ink = normalized(parse_ink(doc))
        drawn = recognizer.raw(ink, 15)
        order = standard_order(ink)
        both = (
            drawn
            if order == tuple(range(len(order)))
            else interleave(recognizer.raw(reordered(ink, order), 15), drawn)
        )
        row = (label, char, [c.char for c in text_candidates(drawn)], [c.char for c in text_candidates(both)])
        out["standard" if "standard order" in label else "wrong"].append(row)
    return out


def test_held_out_wrong_orders_are_mostly_read(held_out: dict[str, list[Any]]) -> None:
    before = rates([(char, alone) for _, char, alone, _ in held_out["wrong"]])
    after = rates([(char, both) for _, char, _, both in held_out["wrong"]])
    print(
        f"held-out wrong orders: Zinnia alone top-1 {before[0]}/{before[2]} top-5 {before[1]}/{before[2]};"
        f" with the standard-order reading top-1 {after[0]}/{after[2]} top-5 {after[1]}/{after[2]}"
    )
    assert before[0] / before[2] < 0.1  # what the drawings are like: Zinnia alone misses nearly all
    assert after[0] / after[2] >= 0.55 and after[1] / after[2] >= 0.7


def test_held_out_standard_orders_lose_nothing(held_out: dict[str, list[Any]]) -> None:
    before = rates([(char, alone) for _, char, alone, _ in held_out["standard"]])
    after = rates([(char, both) for _, char, _, both in held_out["standard"]])
    print(
        f"held-out standard orders: top-1 {before[0]}→{after[0]}, top-5 {before[1]}→{after[1]} of {after[2]}"
    )
    assert after[0] >= before[0] and after[1] >= before[1]


def test_the_pad_and_the_command_get_the_merged_reading() -> None:
    # 王 begun with its bottom 一: Zinnia alone reads 丰; the recogniser (pad and command) reads 王.
    strokes = GLYPHS["王"]
    doc = place([strokes[3], *strokes[:3]])
    assert default_recognizer().classify(parse_ink(doc), 5)[0].char == "王"
    assert default_recognizer().classify(parse_ink(doc), 5, reorder=False)[0].char != "王"
