"""A 1366×768 panel with the voice strip showing: the ID keypad (every key and 确定) and the text
step (the three ways in, 下一步, 重写, 删除) are whole on screen without scrolling, with their words
uncut. The tour (tests/ui/test_tour.py) skips controls scrolled fully out of view, so this checks
the controls themselves."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import ALONE_ID, Kiosk
from tests.ui.flows import type_id
from ui import measure
from ui.steps.text import TextPage


def _whole(widget: Any) -> bool:
    """On show in full: nothing of it scrolled out of view or cut by the window."""
    return bool(widget.isVisible()) and widget.visibleRegion().boundingRect().size() == widget.size()


def test_id_keypad_and_text_step_fit_a_1366x768_panel(kiosk: Kiosk) -> None:
    kiosk.window.resize(1366, 768)
    kiosk.settle()
    service = kiosk.ctx.catalogue.get("problem_report")
    kiosk.click(kiosk.ctx.pick(service.title))
    screen = kiosk.nav.current
    assert kiosk.window.voice_panel.isVisible()  # the strip takes its share of the height
    # The service's text step is built (hidden) already; it must not lend the keypad its height.
    assert any(isinstance(p, TextPage) for p in screen.page_list)
    keys = screen.page.keypad.buttons
    confirm = kiosk.button(kiosk.tr("identify.confirm"))
    cut = [k for k, b in keys.items() if not _whole(b)] + ([] if _whole(confirm) else ["确定"])
    assert cut == []
    type_id(kiosk, ALONE_ID)
    kiosk.click(confirm)
    while not isinstance(screen.page, TextPage):
        step = screen.page.step
        assert step.kind == "choose", step.kind
        kiosk.click(kiosk.ctx.pick(step.options[0].label))
    page = screen.page
    kiosk.settle()
    controls = [*page.mode_buttons.values(), page.next_button, page.pad.rewrite, page.pad.delete]
    assert [b.text() for b in controls if not (_whole(b) and measure.text_fits(b))] == []
    assert page.one_row  # 下一步 beside the ways in: no second row of buttons to scroll to
