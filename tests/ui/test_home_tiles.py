"""A home tile keeps its picture: above its words when tall enough, beside them when short and wide,
never under MIN_TILE_ICON_PX when it gets the height it asks for — checked on the tile alone, in a
fixed style, cheaper than a tour (the tour checks every home at every size, tests/ui/test_tour.py)."""

from __future__ import annotations

from typing import Any

import pytest

MIN_TILE_ICON_PX = 48  # tests/ui/test_tour.py: a phone launcher icon, ≈ 8 mm on a 10" panel
STYLE = "QLabel { font-size: 38px; font-weight: bold; }"  # the tile words at the largest text


@pytest.mark.parametrize(
    ("text", "width", "shape"),
    [
        ("Pension", 317, "beside"),  # one short word: the picture beside it is larger than above
        ("Report a problem", 317, "beside"),  # two lines: above them no picture would fit at all
        ("Appointments", 317, "above"),  # too long a word to stand beside a picture
    ],
)
def test_tile_keeps_its_picture_in_the_height_it_asks_for(
    qapp: Any, text: str, width: int, shape: str
) -> None:
    from ui.screens.home_tile import HomeTile
    from ui.theme import WARM
    from ui.widgets import apply_icons

    tile = HomeTile(text, "fa5s.bullhorn", "#A04000")
    tile.setStyleSheet(STYLE)
    tile.set_margins(8)
    apply_icons(tile, WARM, 1.3)
    tile.ensurePolished()
    height = tile.box.totalHeightForWidth(width)  # what the grid gives it at the least
    tile.resize(width, height)
    tile.show()
    tile.fit_icon()
    assert (tile.beside and shape == "beside") or (not tile.beside and shape == "above")
    assert tile.icon_widget.pixmap().width() >= MIN_TILE_ICON_PX
    # a tall tile puts its picture above, at full size
    tile.resize(width, 400)
    tile.fit_icon()
    assert not tile.beside and tile.icon_widget.pixmap().width() > MIN_TILE_ICON_PX
    tile.close()


def test_a_tiles_need_follows_its_words_and_their_size(qapp: Any) -> None:
    """The room a tile asks for is kept between the layout's questions, but never outlives its
    words: new words (another language) or a larger text size are measured afresh."""
    from ui.screens.home_tile import HomeTile

    def fresh(text: str, style: str) -> int:
        tile = HomeTile(text, "fa5s.bullhorn", "#A04000")
        tile.setStyleSheet(style)
        tile.ensurePolished()
        need = tile.need_for_width(317)
        tile.deleteLater()
        return need

    small = "QLabel { font-size: 22px; }"
    tile = HomeTile("Pension", "fa5s.bullhorn", "#A04000")
    tile.setStyleSheet(small)
    tile.ensurePolished()
    assert tile.need_for_width(317) == fresh("Pension", small)
    tile.text_label.setText("Report a problem with the water supply")
    assert tile.need_for_width(317) == fresh("Report a problem with the water supply", small)
    tile.setStyleSheet(STYLE)
    tile.ensurePolished()
    tile.text_label.ensurePolished()
    assert tile.need_for_width(317) == fresh("Report a problem with the water supply", STYLE)
    assert fresh("Report a problem with the water supply", STYLE) != fresh(
        "Report a problem with the water supply", small
    )
    tile.deleteLater()
