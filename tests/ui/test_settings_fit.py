"""The station-settings screen at the largest text: only the form scrolls — the screen itself does
not, 保存设置 stays wholly in view, and the text-size choices keep their words whole on a portrait
panel (the form asked for its whole height and the screen scrolled as well; three choices in a
third of a narrow field each were cut to "norma", "large", "larges")."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractButton, QScrollArea

from models.volunteers import VolunteerRecord
from tests.ui.conftest import Kiosk
from ui import measure
from ui.navigator import ScreenKey


def _whole(button: QAbstractButton) -> bool:
    return button.visibleRegion().boundingRect().size() == button.size() and measure.text_fits(button)


@pytest.mark.parametrize(
    "size", [(1920, 1080), (1080, 1920), (1280, 800)], ids=["1920x1080", "portrait", "1280x800"]
)
def test_settings_at_the_largest_text_scroll_only_the_form(kiosk: Kiosk, size: tuple[int, int]) -> None:
    ctx = kiosk.ctx
    ctx.set_locale("en")
    ctx.set_scale_index(2)
    kiosk.window.resize(*size)
    ctx.staff = VolunteerRecord("admin-test", "管理员", "admin", True)
    ctx.changed.emit("staff")
    kiosk.nav.go(ScreenKey.ADMIN_SETTINGS)
    screen = kiosk.nav.current
    kiosk.qtbot.waitUntil(lambda: screen.isVisible(), timeout=5_000)
    for _ in range(20):  # layout settles over a few turns of the event loop
        kiosk.qtbot.wait(10)
    outer, form = screen.findChildren(QScrollArea)[:2]
    assert outer.verticalScrollBar().maximum() == 0, "the screen itself scrolls"
    assert form.verticalScrollBar().maximum() > 0  # the long form does, inside it
    save = kiosk.button(kiosk.tr("admin.save"), screen)
    assert _whole(save), "保存设置 is not wholly in view"
    choices = screen.inputs["text_scale"].group.buttons()
    cut = [b.text() for b in choices if not measure.text_fits(b)]
    assert cut == []
