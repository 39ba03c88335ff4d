"""Choosing the on-screen keyboard's input method, which must happen before QApplication exists.

Kept apart from ui/keyboard.py (the keyboard itself) so that start-up can make this choice without
loading the keyboard module, which the kiosk loads only after its locked screen is painted."""

from __future__ import annotations

import os
import sys

IM_MODULE = "qtvirtualkeyboard"
ENABLE_ENV = "YIZHAN_ONSCREEN_KEYBOARD"


def enabled() -> bool:
    """The keyboard is wanted unless YIZHAN_ONSCREEN_KEYBOARD=0."""
    return os.environ.get(ENABLE_ENV, "1") != "0"


def prepare_environment() -> None:
    """Call before QApplication: route text input through the virtual keyboard (but no desktop
    pop-up window: the panel lives inside the kiosk)."""
    widgets = sys.modules.get("PySide6.QtWidgets")
    if not enabled() or (widgets is not None and widgets.QApplication.instance() is not None):
        return  # switched off, or too late: the input method was chosen when the app was made
    os.environ.setdefault("QT_IM_MODULE", IM_MODULE)
    os.environ.setdefault("QT_VIRTUALKEYBOARD_DESKTOP_DISABLE", "1")
