"""Typing through the docked Qt Virtual Keyboard the way a finger does: find a key item in the QML
scene by its label and click the QQuickWidget at the key's centre."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtQuick import QQuickItem
from PySide6.QtTest import QTest


def key_items(dock: Any) -> dict[str, QQuickItem]:
    """Visible keys by label (letters, jamo, punctuation) plus "space" for the space bar and "hide" for
    the keyboard's own hide key."""
    root = dock.panel.view.rootObject()
    keys: dict[str, QQuickItem] = {}
    for item in root.findChildren(QQuickItem):
        meta = item.metaObject()
        if not item.isVisible() or item.width() <= 0:
            continue
        if meta.className().startswith("SpaceKey"):
            keys["space"] = item
        elif meta.className().startswith("HideKeyboardKey"):
            keys["hide"] = item
        elif meta.indexOfProperty("text") >= 0 and meta.indexOfProperty("key") >= 0:
            text = item.property("text")
            if text:
                keys.setdefault(str(text), item)
    return keys


def tap(kiosk: Any, dock: Any, label: str) -> None:
    item = key_items(dock)[label]
    centre = item.mapToScene(item.boundingRect().center())
    QTest.mouseClick(
        dock.panel.view,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        QPoint(round(centre.x()), round(centre.y())),
    )
    kiosk.qtbot.wait(40)


def type_keys(kiosk: Any, dock: Any, labels: list[str] | str) -> None:
    for label in labels:
        tap(kiosk, dock, label)
