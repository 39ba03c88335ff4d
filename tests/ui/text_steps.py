"""Shared helpers for the text-step input tests: reach the problem report's description step, draw a
character on the pad with real mouse events, and save screenshots under artifacts/input/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from models.catalogue import pick
from tests.handwriting.glyphs import GLYPHS, sample
from tests.ui.flows import type_id
from ui.navigator import ScreenKey

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "input"


def open_description(kiosk: Any, id_number: str) -> Any:
    """Problem report → identify → first category → the description (text) step's page."""
    ctx = kiosk.ctx
    service = ctx.catalogue.get("problem_report")
    kiosk.click(pick(service.title, ctx.locale))
    assert kiosk.nav.current_key == ScreenKey.SERVICE
    screen = kiosk.nav.current
    for step in service.steps:
        page = screen.page
        if step.kind == "identify":
            type_id(kiosk, id_number)
            kiosk.click(kiosk.tr("identify.confirm"))
        elif step.kind == "choose":
            kiosk.click(pick(step.options[0].label, ctx.locale))
        elif step.kind == "text":
            return page
    raise AssertionError("problem_report has no text step")


def draw(kiosk: Any, canvas: Any, char: str, *, offset: tuple[float, float] = (0.0, 0.0)) -> None:
    """Write `char` on the canvas stroke by stroke with mouse press/move/release, as a finger would."""
    box = canvas.box()
    for stroke in GLYPHS[char]:
        points = [
            QPoint(
                round(box.x() + (x + offset[0]) * box.width()),
                round(box.y() + (y + offset[1]) * box.height()),
            )
            for x, y in sample(stroke, 0.04)
        ]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
        for p in points[1:]:
            QTest.mouseMove(canvas, p)
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1])


def shot(kiosk: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    kiosk.settle()
    kiosk.window.repaint()
    path = SHOTS / f"{name}.png"
    kiosk.window.grab().save(str(path))
    return path
