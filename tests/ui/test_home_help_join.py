"""From the home screen, 一键呼叫 pressed again after the resident switched the language (which
rebuilds every screen) joins the call already made instead of making a second one at the centre."""

from __future__ import annotations

from tests.ui.conftest import Kiosk
from tests.ui.test_help import _call, _help_calls


def test_a_second_press_after_a_language_switch_joins_the_same_call(kiosk: Kiosk) -> None:
    first = _call(kiosk).record
    assert first is not None and first.receipt_code is not None
    kiosk.window.wipe_and_home()
    kiosk.settle()
    kiosk.ctx.set_locale("ko")  # as the home's 한국어 button does: every screen is built anew
    kiosk.settle()
    screen = _call(kiosk)
    kiosk.settle()
    assert screen.record is not None and screen.record.id == first.id
    assert len(_help_calls(kiosk)) == 1
    assert first.receipt_code in screen.code.text()
