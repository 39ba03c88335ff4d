"""The on-screen keyboard: Qt Virtual Keyboard (pinyin for zh_CN, Hangul for ko, English) embedded
in a QQuickWidget, so a widgets kiosk gets a visible panel inside its own window.

`prepare_environment()` (ui/keyboard_env.py, light enough for start-up) must run before QApplication
exists (it selects the virtual keyboard input method); `KeyboardPanel` then types into whichever text
field has focus. Keys come out ≈ 95 px tall at 1366 px width, well over the 64 px target. The kiosk
window docks the keyboard on its first event-loop turn, after its first paint (ui/shell.py).

On by default (volunteers at the kiosk have no physical keyboard); YIZHAN_ONSCREEN_KEYBOARD=0 turns
it off, for a station with a real keyboard.

Loading the QML never happens under Python code. Qt compiles QML on its type-loader thread while the
calling thread waits; the keyboard's own QML logs warnings from that thread (its Qt Multimedia click
sound, a PopupList property override). When a Python Qt message handler is installed (pytest-qt
installs one; a logging hook might), that thread needs the GIL to log, while the waiting thread holds
it: both wait for ever. So `setSource` and locale switches (which load a new layout) are queued and
run from the event loop, where PySide has released the GIL.

Privacy: the pinyin engine would learn committed phrases into a user dictionary under the user's
config folder (plaintext words a resident typed). `block_learning()` makes that path a directory,
so the engine runs with its built-in dictionary only and writes nothing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    Q_ARG,
    QEvent,
    QMetaObject,
    QObject,
    QStandardPaths,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QFrame,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.keyboard_env import ENABLE_ENV as ENABLE_ENV  # re-exported: the keyboard's switch and set-up
from ui.keyboard_env import IM_MODULE, enabled
from ui.keyboard_env import prepare_environment as prepare_environment

QML = Path(__file__).with_name("keyboard.qml")
LOCALES = {"zh_CN": "zh_CN", "en": "en_US", "ko": "ko_KR"}
HEIGHT_PER_WIDTH = 0.31  # the default style's keyboard aspect: four rows of keys plus the candidate bar
MAX_WIDTH = 1400  # wider keys help nobody and push the text box off a 1080p screen
DOCK_SHARE = 0.42  # the docked keyboard covers at most this share of the window height
OSK = "osk"  # a text field with this property set to False never calls the keyboard up

log = logging.getLogger(__name__)


def available() -> bool:
    """The virtual keyboard input method is active in this process (chosen before QApplication)."""
    if not enabled() or os.environ.get("QT_IM_MODULE") != IM_MODULE or not QML.is_file():
        return False
    # Found, not imported: importing Qt Quick's bindings costs the locked screen's first paint
    # ≈ 0.2 s; the panel imports them when it is first built.
    try:
        return importlib.util.find_spec("PySide6.QtQuickWidgets") is not None
    except ImportError:
        return False


def user_dictionary() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    return Path(base) / "qtvirtualkeyboard" / "pinyin" / "usr_dict.dat"


def block_learning() -> Path:
    """Make the pinyin user dictionary impossible to write (see the module docstring)."""
    path = user_dictionary()
    try:
        if path.is_file() or path.is_symlink():
            path.unlink()  # words learned by an older build: remove them
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        if path.exists() and not path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
    return path


class KeyboardPanel(QWidget):
    """The keyboard; it types into the focused field and never takes focus itself. Its QML loads on
    the next turn of the event loop (see the module docstring); `loaded` then says whether it came up."""

    loaded = Signal(bool)

    def __init__(self, locale: str = "zh_CN", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtQuickWidgets import QQuickWidget

        block_learning()
        self.view = QQuickWidget(self)
        self.view.setResizeMode(QQuickWidget.ResizeMode.SizeRootObjectToView)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.view.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.view.setClearColor(Qt.GlobalColor.transparent)
        self.view.setInitialProperties({"kioskLocale": LOCALES.get(locale, "zh_CN")})
        self.view.statusChanged.connect(self._status_changed)
        QMetaObject.invokeMethod(
            self.view,
            "setSource",
            Qt.ConnectionType.QueuedConnection,
            Q_ARG(QUrl, QUrl.fromLocalFile(str(QML))),
        )
        self.view.setAccessibleName("on-screen keyboard")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.view, 0, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._fit(1366)

    @property
    def ready(self) -> bool:
        from PySide6.QtQuickWidgets import QQuickWidget

        return self.view.status() == QQuickWidget.Status.Ready and self.view.rootObject() is not None

    @property
    def failed(self) -> bool:
        from PySide6.QtQuickWidgets import QQuickWidget

        return self.view.status() == QQuickWidget.Status.Error

    def _status_changed(self, status: Any) -> None:
        from PySide6.QtQuickWidgets import QQuickWidget

        if status == QQuickWidget.Status.Error:
            # Qt's own wording (file and line of the keyboard's QML); nothing typed is in it.
            log.warning(
                "on-screen keyboard did not load: %s", "; ".join(e.toString() for e in self.view.errors())
            )
            self.loaded.emit(False)
        elif status == QQuickWidget.Status.Ready:
            self.loaded.emit(True)

    def set_locale(self, locale: str) -> None:
        """Switch the layout; queued, because a new layout is QML compiled on the loader thread."""
        root = self.view.rootObject()
        if root is not None:
            QMetaObject.invokeMethod(
                root,
                "useLocale",
                Qt.ConnectionType.QueuedConnection,
                Q_ARG("QVariant", LOCALES.get(locale, "zh_CN")),
            )

    def _fit(self, width: int) -> None:
        width = max(600, min(width, MAX_WIDTH))
        height = round(width * HEIGHT_PER_WIDTH)
        self.view.setFixedSize(width, height)
        self.setFixedHeight(height)

    def resizeEvent(self, event: Any) -> None:
        self._fit(event.size().width())
        super().resizeEvent(event)


def wants_keyboard(widget: QWidget | None) -> bool:
    """A text field a person types into (not read-only, not opted out with the `osk` property)."""
    if not isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit) or widget.isReadOnly():
        return False
    from ui.widgets import prop

    return prop(widget, OSK) is not False


class KeyboardDock(QFrame):
    """The keyboard docked over the bottom of the kiosk window while a text field has focus, with a
    big 收起键盘 button beside it. Its keys never take focus, so typing goes to the field. If the
    keyboard's QML cannot load, the dock shows a kind note in its place instead."""

    def __init__(self, window: QWidget, ctx: Any) -> None:
        super().__init__(window)
        from ui.widgets import button, label

        self.ctx = ctx
        self.setObjectName("keyboardDock")
        self.setAutoFillBackground(True)
        self.setStyleSheet("#keyboardDock { background: #2b3137; border-top: 4px solid #17406B; }")
        self.panel: KeyboardPanel | None = None  # built on first use: the QML engine costs ≈ 0.5 s
        self.hide_button = button(ctx.tr("keyboard.hide"), "fa5s.chevron-down", "", self.dismiss)
        self.hide_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # tapping it must not move focus first
        self.failure_note = label(ctx.tr("keyboard.unavailable"), "card")
        self.failure_note.hide()
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.row.setContentsMargins(12, 8, 12, 8)
        self.row.setSpacing(12)
        self.row.addWidget(self.failure_note, 1)
        self.row.addStretch(1)
        self.row.addWidget(self.hide_button, 0, Qt.AlignmentFlag.AlignTop)
        self.dismissed_for: QWidget | None = None
        window.installEventFilter(self)
        ctx.changed.connect(self._ctx_changed)
        self.hide()

    def _ctx_changed(self, what: str) -> None:
        """The kiosk's language changed: the button, the note and the keyboard's layout follow."""
        if what != "locale":
            return
        from ui.widgets import set_text

        set_text(self.hide_button, self.ctx.tr("keyboard.hide"))
        self.failure_note.setText(self.ctx.tr("keyboard.unavailable"))
        if self.panel is not None and self.panel.ready:
            self.panel.set_locale(self.ctx.locale)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize and self.isVisible():
            self.place()
        return False

    def keyboard(self) -> KeyboardPanel:
        if self.panel is None:
            self.panel = KeyboardPanel(self.ctx.locale, self)
            self.panel.hide()  # until its QML is up
            self.panel.loaded.connect(self._loaded)
            self.row.insertWidget(0, self.panel, 1)
        return self.panel

    def place(self) -> None:
        window = self.parentWidget()
        if window is None or self.panel is None:
            return
        # A landscape window has room for 收起键盘 beside the keys; a portrait one puts it above them,
        # so the keys get the whole width (and the button its whole label).
        portrait = window.height() > window.width()
        self.row.setDirection(
            QBoxLayout.Direction.BottomToTop if portrait else QBoxLayout.Direction.LeftToRight
        )
        self.row.setAlignment(
            self.hide_button, Qt.AlignmentFlag.AlignRight if portrait else Qt.AlignmentFlag.AlignTop
        )
        above = self.hide_button.sizeHint().height() + self.row.spacing() if portrait else 0
        if self.panel.failed:
            height = self.failure_note.sizeHint().height() + above + 16
        else:
            room = window.width() - (24 if portrait else 200)  # beside the keys: the hide button
            width = min(MAX_WIDTH, room, round(window.height() * DOCK_SHARE / HEIGHT_PER_WIDTH))
            self.panel._fit(width)
            self.panel.setFixedWidth(width)
            height = self.panel.height() + above + 16
        self.setGeometry(0, window.height() - height, window.width(), height)
        self.raise_()

    def show_for(self, field: QWidget) -> None:
        """Bring the keyboard up on the next turn of the event loop (after the focus change is done)."""
        del field  # the input method types into whichever field has focus
        self.dismissed_for = None
        QTimer.singleShot(0, self._show_now)

    def _show_now(self) -> None:
        field = QApplication.focusWidget()
        if not wants_keyboard(field) or field is None:
            return  # focus moved on before the keyboard came up
        panel = self.keyboard()
        if not (panel.ready or panel.failed):
            return  # _loaded comes back here
        if panel.ready:
            panel.set_locale(self.ctx.locale)
        self.place()
        self.show()
        self.raise_()

    def _loaded(self, ok: bool) -> None:
        assert self.panel is not None
        self.panel.setVisible(ok)
        self.failure_note.setVisible(not ok)
        field = QApplication.focusWidget()
        if not wants_keyboard(field) or field is None or field.window() is not self.window():
            return
        if ok:
            # The keyboard's input context learns of the focused field only on a focus change, and
            # this field had focus before the keyboard existed: hand focus over once more (which
            # brings the dock up through follow_focus).
            field.clearFocus()
            field.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self._show_now()

    def dismiss(self) -> None:
        self.dismissed_for = QApplication.focusWidget()
        self.hide()

    def follow_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and self.isAncestorOf(new):
            return
        if wants_keyboard(new) and new is not None and new.window() is self.window():
            if new is not self.dismissed_for:
                self.show_for(new)
        else:
            self.hide()


def install(window: QWidget, ctx: Any) -> KeyboardDock | None:
    """Dock the keyboard in `window`: it comes up for every text field that gets focus (volunteer
    forms, the resident's text step in 打字 mode) and goes when focus leaves text. None when the
    virtual keyboard input method is not active (the kiosk then relies on a physical keyboard)."""
    if not available():
        return None
    dock = KeyboardDock(window, ctx)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.focusChanged.connect(dock.follow_focus)
        window.destroyed.connect(lambda *_: _disconnect(app, dock))
    return dock


def _disconnect(app: QApplication, dock: KeyboardDock) -> None:
    with contextlib.suppress(RuntimeError, TypeError):  # already gone with the window
        app.focusChanged.disconnect(dock.follow_focus)


def dock_of(widget: QWidget) -> KeyboardDock | None:
    window = widget.window()
    return window.findChild(KeyboardDock) if window is not None else None
