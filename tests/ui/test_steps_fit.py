"""Every kind of service step fits the cheap village panels (1366×768 and 1280×800) at every text
size, in Chinese, English, Korean and the high-contrast theme: the screen does not scroll, and every
control on the step — the ways in, 下一步/跳过, keypad keys, the date slots, 同意, 确认提交, the
check-in answers — is whole on screen with its words uncut.

The tour (tests/ui/test_tour.py) skips controls scrolled fully out of view, so it cannot see a
primary action below the fold; this walks the real window through the steps and looks at the
scroll area and the controls themselves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QAbstractButton, QScrollArea

from models.station import SYSTEM
from tests.ui.conftest import Kiosk, StationInfo, open_kiosk
from ui import measure
from ui.navigator import ScreenKey

SIZES = ((1366, 768), (1280, 800))
LOOKS = (("zh_CN", "default"), ("en", "default"), ("ko", "default"), ("zh_CN", "high_contrast"))
SETTLE_MS = 10
STABLE_TRIES = 200


def _services(kiosk: Kiosk) -> list[Any]:
    """The services with steps; together they hold every kind of step (and the tightest ones: the
    optional text step with 跳过, the six date slots, the longest summary)."""
    return [s for s in kiosk.ctx.catalogue.services if s.kind == "form" and s.steps]


def _show_step(kiosk: Kiosk, service: Any, index: int, resident: Any) -> Any:
    """Put step `index` of `service` on screen with the answers before it given (as the tour does)."""
    nav = kiosk.nav
    if index == 0:
        nav.home()
        kiosk.settle()
        screen = nav.go(ScreenKey.SERVICE, service=service.id)
    else:
        screen = nav.current
        screen.resident = resident
        step = service.steps[index - 1]
        if step.options:
            screen.fields[step.id] = step.options[0].id
        screen.index = index
        screen._show_step()
    kiosk.settle()
    if service.steps[index].kind == "date_slot":
        kiosk.qtbot.waitUntil(lambda: bool(screen.page.slots), timeout=5000)  # from the database
    _settle(kiosk, screen)
    return screen


def _settle(kiosk: Kiosk, screen: Any) -> None:
    """Run the event loop until the step's layout stops changing: a step that changes shape (or the
    voice strip stepping aside) takes a few turns, more on a busy machine."""

    def state() -> tuple[Any, ...]:
        area = screen.findChild(QScrollArea)
        page = screen.page
        return (
            kiosk.window.voice_panel.isVisible(),
            area.viewport().size(),
            area.verticalScrollBar().maximum(),
            page.geometry(),
            [b.geometry() for b in page.findChildren(QAbstractButton) if b.isVisible()],
        )

    last, same = state(), 0
    for _ in range(STABLE_TRIES):
        kiosk.qtbot.wait(SETTLE_MS)
        now = state()
        same = same + 1 if now == last else 0
        if same == 2:
            return
        last = now
    raise AssertionError(f"the step's layout kept changing: {last}")


def _problems(screen: Any) -> list[str]:
    """What scrolls or is cut on the step on show."""
    problems: list[str] = []
    area = screen.findChild(QScrollArea)
    if area.verticalScrollBar().maximum() > 0:
        problems.append(f"scrolls by {area.verticalScrollBar().maximum()} px")
    for control in screen.page.findChildren(QAbstractButton):
        if not control.isVisible():
            continue
        whole = control.visibleRegion().boundingRect().size() == control.size()
        if not whole or not measure.text_fits(control):
            problems.append(f"{control.accessibleName()!r} {'cut' if whole else 'not whole on screen'}")
    return problems


@pytest.fixture
def kiosk_per_look(qtbot: Any, station_info: StationInfo, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kiosk]:
    with open_kiosk(qtbot, station_info.path, monkeypatch) as kiosk:
        yield kiosk


@pytest.mark.slow
@pytest.mark.parametrize(("locale", "theme"), LOOKS, ids=["-".join(look) for look in LOOKS])
def test_every_step_fits_a_small_panel_at_every_text_size(
    kiosk_per_look: Kiosk, locale: str, theme: str
) -> None:
    kiosk = kiosk_per_look
    ctx = kiosk.ctx
    ctx.set_locale(locale)
    ctx.set_theme(theme)
    resident = next(r for r in kiosk.station.residents.list_all(SYSTEM) if r.living_alone)
    problems: list[str] = []
    for width, height in SIZES:
        kiosk.window.resize(width, height)
        for text_size in range(3):
            ctx.set_scale_index(text_size)
            kiosk.settle()
            for service in _services(kiosk):
                for index, step in enumerate(service.steps):
                    screen = _show_step(kiosk, service, index, resident)
                    where = f"{width}×{height} text size {text_size} {service.id}/{step.id}"
                    problems += [f"{where}: {p}" for p in _problems(screen)]
    assert problems == [], "\n".join(problems)
