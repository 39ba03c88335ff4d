"""`yizhan tour`: drive the real window offscreen through every screen and service step, save each
as OUT/<screen>.png, and write OUT/manifest.json with every visible text/input widget measured
(ui/measure.py). Used by the volunteer guide and by tests/ui/test_tour.py.

The window size (1920×1080, the cheap 1280×800 / 1366×768 panels, portrait 1080×1920) and the text
size (standard / large / xlarge) are chosen per run; `Tour.render` renders one combination, so a
test can unlock the station once and walk the same window through many sizes.

The tour writes nothing to the station: help calls are previewed, receipts are sample records, and
staff screens are shown for a synthetic admin (the passphrase already proves the right to look).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, TypedDict, Unpack

from PySide6.QtCore import QCoreApplication, QEvent, QRect, QTimer
from PySide6.QtWidgets import QApplication, QScrollBar

from models.requests import RequestRecord
from models.residents import ResidentRecord
from models.station import Actor
from models.volunteers import VolunteerRecord
from ui import measure
from ui.context import UiContext
from ui.navigator import ScreenKey
from ui.session import unlock
from ui.shell import KioskWindow
from ui.theme import SCALES

SIZE = (1920, 1080)
TEXT_SIZES = ("standard", "large", "xlarge")  # index into ui.theme.SCALES
TOUR_ACTOR = Actor("admin", "tour")
SAMPLE_ID = "110105194912310021"


def settle(ctx: UiContext, timeout: float = 10.0) -> None:
    """Process events until the DB worker is idle and its callbacks have run."""
    app = QApplication.instance()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app is not None:
            app.processEvents()
        if ctx.db.idle:
            if app is not None:
                app.processEvents()
            return
        time.sleep(0.002)
    raise TimeoutError("background work did not finish")


def drop_deleted() -> None:
    """Delete the widgets `deleteLater()` has marked. Without a running event loop (the tour and the
    tests drive Qt by `processEvents`) Qt never deletes them: every rebuild's ~800 screen widgets would
    stay alive, be re-polished by each new stylesheet and searched by every measurement, so each
    combination rendered in the same window would cost more than the last."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def parse_size(text: str) -> tuple[int, int]:
    """ "1366x768" → (1366, 768); a clear ValueError for anything else."""
    try:
        width, height = (int(part) for part in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise ValueError(f"window size must look like 1366x768, not {text!r}") from None
    if not (640 <= width <= 4000 and 480 <= height <= 4000):
        raise ValueError(f"window size {text!r} is outside 640x480 … 4000x4000")
    return width, height


class Tour:
    def __init__(
        self,
        ctx: UiContext,
        out: Path,
        passphrase: str,
        *,
        size: tuple[int, int] = SIZE,
        save_png: bool = True,
    ) -> None:
        self.ctx = ctx
        self.out = Path(out)
        self.passphrase = passphrase
        self.size = size
        self.save_png = save_png
        self.window = KioskWindow(ctx)
        self.window.resize(*size)
        self.window.show()
        self.screens: list[dict[str, Any]] = []
        self.resident: ResidentRecord | None = None
        self.scale_index = ctx.scale_index
        self.unlocked = False

    # -- capture --------------------------------------------------------------------------------
    def shot(self, name: str) -> None:
        settle(self.ctx)
        self._settle_layout()
        image = self.window.grab().toImage()  # grab() paints the window itself
        png = f"{name}.png"
        if self.save_png:
            image.save(str(self.out / png))
        self.screens.append(
            {
                "name": name,
                "png": png if self.save_png else None,
                "widgets": measure.collect(self.window, image, QRect(0, 0, *self.size)),
            }
        )

    def _settle_layout(self, turns: int = 60) -> None:
        """Let the layout finish: requests of freshly added rows, and a step's fit to its room (a
        zero-delay timer that can ask for another round), settle over several turns. Done when no
        zero-delay timer is pending and the scroll bars and the voice strip stayed as they were for
        a turn. A scroll bar still shown with nothing to scroll is the sign of a layout not yet done
        (a 1920×1080 date step was captured with one over its right edge); one that does scroll may
        be mid-way too: the date slots arrive from the database, refit, and the voice strip steps
        aside a turn or two later (captured once scrolling at 1920×1080 largest text) — so the
        database worker must be idle too."""
        app = QApplication.instance()
        if app is None:
            return
        before: object = None
        for turn in range(turns):
            app.processEvents()
            bars = [bar for bar in self.window.findChildren(QScrollBar) if bar.isVisible()]
            stale = any(bar.maximum() == 0 for bar in bars)
            pending = any(
                timer.isActive() and timer.interval() == 0 for timer in self.window.findChildren(QTimer)
            )
            state = ([(bar.maximum(), bar.height()) for bar in bars], self.window.voice_panel.isVisible())
            # a fit may ask the database again (the date slots): its answer refits the step
            busy = not self.ctx.db.idle
            if turn >= 2 and not stale and not pending and not busy and state == before:
                return
            before = state
            time.sleep(0.005)

    def run(self) -> Path:
        """Render every screen at the current size and text size into `out` (unlocking first)."""
        self.out.mkdir(parents=True, exist_ok=True)
        self.screens = []
        if self.window.size().width() != self.size[0] or self.window.size().height() != self.size[1]:
            self.window.resize(*self.size)
        if not self.unlocked:
            settle(self.ctx)
            self.shot("locked")
            self._unlock()
            self.unlocked = True
        for step in self.steps():
            step()
        manifest = {
            "locale": self.ctx.locale,
            "scale": self.ctx.scale,
            "theme": self.ctx.theme,
            "text_size": TEXT_SIZES[self.ctx.scale_index],
            "size": list(self.size),
            "generated": dt.datetime.now().isoformat(timespec="seconds"),
            "screens": self.screens,
        }
        path = self.out / "manifest.json"
        path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    def render(
        self,
        out: Path,
        *,
        size: tuple[int, int],
        text_size: str,
        locale: str | None = None,
        theme: str | None = None,
    ) -> Path:
        """Walk the (already unlocked) window through every screen again at another combination."""
        ctx = self.ctx
        self.out, self.size = Path(out), size
        # Drop the last combination's screens before the new stylesheet, which re-polishes every
        # widget alive: only the start screen and the bars are restyled, not ~800 widgets.
        self.window.nav.rebuild()
        settle(ctx)  # the new start screen's loads land while the old screens are still alive
        drop_deleted()
        self.window.resize(*size)
        if theme is not None:
            ctx.theme = theme
        if locale is not None:
            ctx.locale = locale
        ctx.scale_index = TEXT_SIZES.index(text_size)
        self.scale_index = ctx.scale_index
        self.window.apply_theme()
        self.window.retranslate()
        self.window.nav.rebuild()  # the start screen again, in the new words
        drop_deleted()
        settle(ctx)
        return self.run()

    def close(self) -> None:
        self.window.shutdown()
        self.window.close()
        self.window.deleteLater()

    def _unlock(self) -> None:
        errors: list[str] = []
        unlock(self.ctx, self.passphrase, lambda: None, errors.append, keep_locale=True)
        settle(self.ctx)
        if errors:
            raise RuntimeError(errors[0])
        self.ctx.scale_index = self.scale_index
        self.window.apply_theme()
        self.window.retranslate()
        self.window.nav.rebuild()
        settle(self.ctx)
        station = self.ctx.require_station()
        residents = self.ctx.db.call_blocking(lambda: station.residents.list_all(TOUR_ACTOR))
        self.resident = next((r for r in residents if r.living_alone), residents[0] if residents else None)

    # -- the route ---------------------------------------------------------------------------------
    def steps(self) -> Iterator[Callable[[], None]]:
        nav = self.window.nav

        def show(key: ScreenKey | None, name: str, **params: Any) -> Callable[[], None]:
            def step() -> None:
                if key is None:
                    nav.home()
                else:
                    nav.go(key, **params)
                self.shot(name)

            return step

        yield show(None, "home")
        for service in self.ctx.catalogue.services:
            if service.kind == "form" or (service.kind == "screen" and service.steps):
                yield from self._service(service.id)
        yield self._identify_error
        yield self._receipt
        yield partial(self.shot, "rating")
        if self.resident is not None:
            yield show(ScreenKey.MY_REQUESTS, "my_requests", resident=self.resident)
        yield show(ScreenKey.NOTICES, "notices")
        yield show(ScreenKey.HELP, "help", reason="urgent", preview=True)
        yield self._idle
        yield show(None, "home-again")
        yield show(ScreenKey.PIN, "pin")
        yield self._staff

    def _service(self, service_id: str) -> Iterator[Callable[[], None]]:
        service = self.ctx.catalogue.get(service_id)

        def open_step(index: int) -> None:
            screen = self.window.nav.current
            if index == 0:
                self.window.nav.home()
                screen = self.window.nav.go(ScreenKey.SERVICE, service=service_id)
            else:
                screen.resident = self.resident
                step = service.steps[index - 1]
                if step.options:
                    screen.fields[step.id] = step.options[0].id
                screen.index = index
                screen._show_step()
            self.shot(f"service-{service_id}-{index + 1}-{service.steps[index].id}")

        for index in range(len(service.steps)):
            yield partial(open_step, index)

    def _identify_error(self) -> None:
        nav = self.window.nav
        nav.home()
        screen = nav.go(ScreenKey.SERVICE, service="pension_inquiry")
        page = screen.page
        for key in SAMPLE_ID[:-1] + "9":
            page.press(key)
        page.confirm()
        self.shot("identify-error")

    def _receipt(self) -> None:
        # an appointment's receipt: the tallest, with the booked day and time
        start = dt.datetime.combine(dt.date.today() + dt.timedelta(days=2), dt.time(9))
        slot = {
            "slot_id": "tour",
            "start": start.isoformat(timespec="minutes"),
            "end": (start + dt.timedelta(hours=2)).isoformat(timespec="minutes"),
            "tentative": True,
        }
        record = RequestRecord(
            id="tour",
            service="appointment",
            state="QUEUED",
            receipt_code="A01-0012",
            resident_id=None,
            fields={"slot": slot},
            reply="",
            urgent=False,
            created_at=dt.datetime.now(),
            quarantine_reason=None,
            acknowledged_at=None,
        )
        self.window.nav.go(ScreenKey.RECEIPT, record=record)
        self.shot("receipt")
        self.window.nav.go(ScreenKey.RATING, record=record)

    def _idle(self) -> None:
        nav = self.window.nav
        nav.home()
        nav.go(ScreenKey.SERVICE, service="problem_report")
        self.window.idle.trigger()
        self.shot("idle")
        self.window.idle_card.hide()
        self.window.idle.set_active(False)

    def _staff(self) -> None:
        ctx, nav = self.ctx, self.window.nav
        ctx.staff = VolunteerRecord("tour", "导览", "admin", True)
        ctx.changed.emit("staff")
        nav.go(ScreenKey.STAFF)
        self.shot("staff")
        for kind in ("today", "help", "checkins", "quarantine", "sync", "audit"):
            nav.go(ScreenKey.STAFF_LIST, kind=kind)
            self.shot(f"staff-{kind}")
        for key in (ScreenKey.RESIDENT_FORM, ScreenKey.ADMIN_SETTINGS, ScreenKey.ADMIN_VOLUNTEERS):
            nav.go(key)
            self.shot(str(key))
        ctx.staff = None
        ctx.changed.emit("staff")
        nav.home()


def scale_index_for(scale: float | None, text_size: str | None) -> int:
    """The text size by name wins; otherwise the nearest of SCALES to `--scale`."""
    if text_size is not None:
        return TEXT_SIZES.index(text_size)
    wanted = 1.0 if scale is None else scale
    return min(range(len(SCALES)), key=lambda i: abs(SCALES[i] - wanted))


class TourOptions(TypedDict, total=False):
    """The text size (by name, or the nearest to `scale`) and the window size of a tour."""

    scale: float | None
    text_size: str | None
    size: tuple[int, int]


def start_tour(
    ctx: UiContext,
    out: Path,
    passphrase: str,
    *,
    locale: str,
    save_png: bool = True,
    **options: Unpack[TourOptions],
) -> Tour:
    """A tour window on `ctx` (not yet run): call `run()` once, then `render()` for more combinations."""
    ctx.locale = locale
    ctx.locale_forced = True
    ctx.no_auto_unlock = True
    ctx.scale_index = scale_index_for(options.get("scale"), options.get("text_size"))
    tour = Tour(ctx, out, passphrase, size=options.get("size", SIZE), save_png=save_png)
    tour.window.apply_theme()
    tour.window.retranslate()
    return tour


def run_tour(
    ctx: UiContext, out: Path, passphrase: str, *, locale: str, **options: Unpack[TourOptions]
) -> Path:
    """`yizhan tour`: one combination rendered, the window closed again."""
    tour = start_tour(ctx, out, passphrase, locale=locale, **options)
    try:
        return tour.run()
    finally:
        tour.close()
