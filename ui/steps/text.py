"""Free text and the optional photo step.

A text step offers three ways in, side by side with the text box (answer by any one, or several):
写字 — the handwriting pad (Zinnia), 录一段话 — a voice note (kept encrypted with the request,
sent to the hub as a sealed attachment), 打字 — the on-screen keyboard (pinyin, Hangul, English);
dictation from the voice layer still lands in the box. The photo step uses the camera if present;
otherwise it says why and offers to skip.
"""

from __future__ import annotations

import errno
import functools
import sqlite3
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.validation import ValidationError, clean_text
from ui.steps.base import StepPage
from ui.theme import PALETTES
from ui.widgets import CurrentPageStack, apply_icons, button, label, least_height, relayout, set_text

MODES = (("write", "fa5s.pen-fancy"), ("voice", "fa5s.microphone"), ("keys", "fa5s.keyboard"))
MODE_ICON_PX = 40  # the ways in are words with an icon: a tile-sized icon made their row taller


def note_key(step_id: str) -> str:
    """The field a step's voice note is stored under, beside the text."""
    return f"{step_id}_voice"


def disk_full(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc))
    return (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or (
        isinstance(getattr(exc, "orig", exc), sqlite3.OperationalError | OSError)
        and ("database or disk is full" in text or "No space left" in text)
    )


class TextPage(StepPage):
    def __init__(self, ctx: Any, flow: Any, step: Any) -> None:
        super().__init__(ctx, flow, step)
        hint = "text.hint_voice" if step.dictation and ctx.voice_on else "text.hint_choose"
        self.hint = label(ctx.tr(hint), "muted")
        self.edit = QPlainTextEdit()
        self.edit.setAccessibleName(self.title())
        self.edit.setMinimumHeight(100)
        self.edit.setProperty("role", "big")
        self.note: dict[str, Any] | None = None  # the voice note in use (encoded, in memory)
        self.note_label = label("", "card")
        self.note_label.hide()
        self.box.addWidget(self.hint)
        left = QVBoxLayout()
        left.setSpacing(12)
        left.addWidget(self.edit, 1)
        left.addWidget(self.note_label)
        self.panels = CurrentPageStack()  # sized for the way in on show (the voice note is taller)
        self.panel_by_mode: dict[str, QWidget] = {}
        # Side by side on a landscape screen; on a portrait kiosk the box above the pad, so the pad
        # gets the full width and a canvas big enough for a finger (it was 150 px beside the box).
        self.work = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.work.setSpacing(24)
        self.work.addLayout(left, 2)
        self.work.addWidget(self.panels, 6)
        self.box.addLayout(self.work, 1)
        self.stacked = False
        self.short = False  # the hint line hidden and one row of candidates (see _fit)
        self._fitted: tuple[Any, ...] | None = None
        self.box.addWidget(self.error)
        # The three ways in, then 跳过/下一步: on one row when every word fits (a 1366×768 panel has
        # no height for two rows of buttons), else on two rows (a portrait kiosk, the largest text).
        self.mode_row = self._mode_row()
        self.box.addLayout(self.mode_row)
        self.go_row = QHBoxLayout()
        self.go_row.setSpacing(24)
        self.go_buttons: list[QPushButton] = []
        if step.optional:
            self.go_buttons.append(button(ctx.tr("step.skip"), "fa5s.forward", "", self.skip))
        self.next_button = button(ctx.tr("step.next"), "fa5s.arrow-right", "primary", self.next)
        self.next_button.setMinimumWidth(300)
        self.go_buttons.append(self.next_button)
        self.box.addLayout(self.go_row)
        self.one_row: bool | None = None
        self._arrange_buttons(two_rows=True)
        self.pad: Any = None
        self.voice_note: Any = None
        self.set_mode("write")

    # -- the three ways in ------------------------------------------------------------------
    def _mode_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(24)
        self.mode_buttons: dict[str, QPushButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        for mode, icon in MODES:
            b = button(
                self.ctx.tr(f"text.mode_{mode}"), icon, "option", functools.partial(self.set_mode, mode)
            )
            b.setCheckable(True)
            b.setProperty("icon_px", MODE_ICON_PX)
            group.addButton(b)
            self.mode_buttons[mode] = b
            row.addWidget(b)
        return row

    def set_mode(self, mode: str) -> None:
        """Show the pad, the voice note or the keyboard (each is built the first time it is needed)."""
        panel = self.panel_by_mode.get(mode) or self._build(mode)
        self.panels.setCurrentWidget(panel)
        self.mode_buttons[mode].setChecked(True)
        self.mode = mode
        self._fit()  # the voice note's panel is taller than the pad
        palette = PALETTES[self.ctx.theme]
        for b in self.mode_buttons.values():
            # The chosen way in: a thick primary-coloured frame and a tinted face (not colour alone:
            # the frame is three times as thick). Its padding gives back what the frame takes, so
            # the chosen button is no larger than the others (the row is no taller).
            b.setStyleSheet(
                f"QPushButton:checked {{ border: 6px solid {palette.primary}; background: {palette.bar};"
                " padding: 2px 18px 2px 24px; }"
            )
        # The docked keyboard (ui/keyboard.py) answers focus on the box only in 打字 mode: with the
        # pad or the voice note in use it would cover them.
        self.edit.setProperty("osk", mode == "keys")
        if mode == "keys":
            self.show_keyboard()
        else:
            dock = self._dock()
            if dock is not None:
                dock.hide()

    def _build(self, mode: str) -> QWidget:
        panel: QWidget
        if mode == "write":
            from ui.handwriting_pad import HandwritingPad

            self.pad = panel = HandwritingPad(self.ctx)
            panel.set_compact(self.short)
            panel.set_wide(self.stacked)
            panel.chosen.connect(self.append)
            panel.backspace.connect(self.backspace)
        elif mode == "voice":
            from ui.voice_note import VoiceNote

            self.voice_note = panel = VoiceNote(self.ctx)
            panel.ready.connect(self.use_note)
            panel.cleared.connect(self.drop_note)
        else:
            panel = self._keys_panel()
        self.panels.addWidget(panel)
        self.panel_by_mode[mode] = panel
        apply_icons(
            panel, PALETTES[self.ctx.theme], self.ctx.scale
        )  # built after the window coloured its icons
        return panel

    def _keys_panel(self) -> QWidget:
        from ui.keyboard import available

        panel = QWidget()
        box = QVBoxLayout(panel)
        box.setContentsMargins(0, 0, 0, 0)
        if available():
            self.keys_note = label(self.ctx.tr("keyboard.below"), "card")
            box.addWidget(self.keys_note)
            box.addWidget(
                button(self.ctx.tr("keyboard.show"), "fa5s.keyboard", "", self.show_keyboard),
                0,
                Qt.AlignmentFlag.AlignLeft,
            )
        else:
            self.keys_note = label(self.ctx.tr("keyboard.unavailable"), "card")
            box.addWidget(self.keys_note)
        box.addStretch(1)
        return panel

    def _dock(self) -> Any:
        from ui.keyboard import dock_of

        return dock_of(self)

    def show_keyboard(self) -> None:
        """打字: focus the box and bring the docked keyboard up (also after 收起键盘)."""
        dock = self._dock()
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        if dock is not None:
            dock.show_for(self.edit)

    def _arrange_buttons(self, *, two_rows: bool) -> None:
        """Put 跳过/下一步 after the ways in on their row, or on a row of their own below it."""
        if self.one_row is (not two_rows):
            return
        self.one_row = not two_rows
        for layout in (self.mode_row, self.go_row):
            for index in reversed(range(layout.count())):
                item = layout.itemAt(index)
                if item is not None and (item.widget() in self.go_buttons or item.spacerItem()):
                    layout.takeAt(index)
        target = self.go_row if two_rows else self.mode_row
        target.addStretch(1)
        for widget in self.go_buttons:
            target.addWidget(widget)

    def _stack(self, stacked: bool) -> None:
        if stacked == self.stacked:
            return
        self.stacked = stacked
        self.work.setDirection(
            QBoxLayout.Direction.TopToBottom if stacked else QBoxLayout.Direction.LeftToRight
        )
        self.work.setStretch(0, 1 if stacked else 2)
        self.work.setStretch(1, 3 if stacked else 6)
        if self.pad is not None:
            self.pad.set_wide(stacked)

    def _fits_one_row(self, width: int) -> bool:
        """Whether the ways in and 跳过/下一步 all show their words side by side in `width` px."""
        widgets = [*self.mode_buttons.values(), *self.go_buttons]
        wanted = sum(max(w.sizeHint().width(), w.minimumWidth()) for w in widgets)
        return wanted + self.mode_row.spacing() * len(widgets) <= width

    def _set_short(self, short: bool) -> None:
        self.short = short
        self.hint.setVisible(not short)
        if self.pad is not None:
            self.pad.set_compact(short)

    def _fit(self) -> None:
        """Shape the page for its width and the room the flow gives it (fit_room), roomiest first:
        box beside the pad (above it on a portrait kiosk); buttons on one row when their words fit,
        else two; the hint line and two rows of candidates while they fit in the room, else
        neither (the 1366×768 and 1280×800 panels at the largest text size)."""
        window = self.window()
        portrait = window.height() > window.width()
        width = self.width()
        key = (width, self.room, self.ctx.scale, self.ctx.theme, getattr(self, "mode", ""), portrait)
        if not self.room or key == self._fitted:
            return  # nothing changed: the layout requests this page's own changes post end here
        self._fitted = key
        self._stack(portrait)
        self._arrange_buttons(two_rows=not self._fits_one_row(width))
        self._set_short(False)
        if least_height(self, width, remeasure=True) > self.room:
            self._set_short(True)
            relayout(self)
        parent = self.parentWidget()
        if parent is not None:
            parent.updateGeometry()  # the flow's stack holds this page's old height

    def fit_room(self, height: int) -> None:
        super().fit_room(height)
        self._fit()

    def event(self, event: QEvent) -> bool:
        # A new text size changes the buttons' words' widths without resizing the page.
        ready = hasattr(self, "_fitted")  # events also arrive while __init__ is building the page
        if ready and event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.StyleChange):
            self._fit()
        return super().event(event)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit()

    def append(self, text: str) -> None:
        cursor = self.edit.textCursor()
        cursor.insertText(text)
        self.edit.setTextCursor(cursor)
        self.clear_error()

    def backspace(self) -> None:
        cursor = self.edit.textCursor()
        cursor.deletePreviousChar()
        self.edit.setTextCursor(cursor)

    # -- the voice note -------------------------------------------------------------------------
    def use_note(self, value: dict[str, Any]) -> None:
        """用这段: keep the note in the draft now (encrypted with the request's record key), so a
        crash loses nothing; a full disk gets its own message and the recording stays for a retry."""
        flow, station = self.flow, self.ctx.station
        draft, service, resident = getattr(flow, "draft_id", None), flow.service, flow.resident
        if station is None or draft is None or service is None or resident is None:
            self._note_saved(value)
            return
        fields = {**flow.fields, self.step.id: self.edit.toPlainText(), note_key(self.step.id): value}
        service_id, resident_id = service.id, resident.id
        self.ctx.db.run(
            lambda: station.requests.save_draft(service_id, fields, resident_id, draft),
            lambda _id: self._note_saved(value),
            self._note_failed,
        )

    def _note_saved(self, value: dict[str, Any]) -> None:
        self.note = value
        self.flow.fields[note_key(self.step.id)] = value
        text = self.ctx.tr("note.summary", seconds=round(float(value.get("seconds", 0))))
        if value.get("transcript"):
            text += "\n" + self.ctx.tr("note.transcript", text=value["transcript"])
        set_text(self.note_label, text)
        self.note_label.show()
        self.clear_error()
        if self.voice_note is not None:
            self.voice_note.mark_used()

    def _note_failed(self, exc: BaseException) -> None:
        if self.voice_note is not None:
            self.voice_note.show_message("disk_full" if disk_full(exc) else "failed")

    def drop_note(self) -> None:
        self.note = None
        self.flow.fields.pop(note_key(self.step.id), None)
        self.note_label.hide()

    def set_dictated(self, text: str) -> None:
        """Dictation result from the voice layer: shown big for the resident to confirm or correct."""
        self.edit.setPlainText(text)

    def next(self) -> None:
        try:
            text = clean_text(self.edit.toPlainText(), max_length=self.step.max_length, multiline=True)
        except ValidationError as exc:
            self.show_error(exc.message(self.ctx.locale))
            return
        if not text and self.note is None and not self.step.optional:
            self.show_error(self.ctx.tr("text.required_or_note"))
            return
        updates: dict[str, Any] = {self.step.id: text}
        if self.note is not None:
            updates[note_key(self.step.id)] = self.note
        self.done.emit(updates)

    def skip(self) -> None:
        self.done.emit({self.step.id: ""})

    def reset(self) -> None:
        super().reset()
        self.edit.clear()
        self.note = None
        self.note_label.hide()
        if self.pad is not None:
            self.pad.clear()
        if self.voice_note is not None:
            self.voice_note.clear(quiet=True)
        self.set_mode("write")

    def handle_intent(self, intent: str) -> bool:
        if intent == "yes":
            self.next()
            return True
        return False


def camera_available() -> bool:
    try:
        from PySide6.QtMultimedia import QMediaDevices

        return bool(QMediaDevices.videoInputs())
    except Exception:  # no multimedia backend: behave as if there were no camera  # noqa: BLE001
        return False


class PhotoPage(StepPage):
    def __init__(self, ctx: Any, flow: Any, step: Any) -> None:
        super().__init__(ctx, flow, step)
        self.has_camera = camera_available()
        self.info = label(ctx.tr("photo.ready" if self.has_camera else "photo.no_camera"), "card")
        self.box.addWidget(self.info)
        self.box.addStretch(1)
        self.box.addWidget(self.error)
        row = QHBoxLayout()
        row.setSpacing(24)
        self.take = button(ctx.tr("photo.take"), "fa5s.camera", "", self.take_photo)
        self.take.setVisible(self.has_camera)
        row.addWidget(self.take)
        row.addStretch(1)
        self.skip_button = button(ctx.tr("photo.skip"), "fa5s.arrow-right", "primary", self.skip)
        self.skip_button.setMinimumWidth(480)
        row.addWidget(self.skip_button)
        self.box.addLayout(row)
        self._capture: Any = None

    def take_photo(self) -> None:
        """Capture one still with the first camera; the image travels inside the encrypted fields."""
        try:
            from PySide6.QtMultimedia import QCamera, QImageCapture, QMediaCaptureSession
        except ImportError:
            self.show_error(self.ctx.tr("photo.failed"))
            return
        session = QMediaCaptureSession(self)
        camera = QCamera(self)
        capture = QImageCapture(self)
        session.setCamera(camera)
        session.setImageCapture(capture)
        capture.imageCaptured.connect(lambda _id, image: self._captured(image))
        capture.errorOccurred.connect(lambda *_a: self.show_error(self.ctx.tr("photo.failed")))
        camera.start()
        self._capture = (session, camera, capture)
        capture.capture()

    def _captured(self, image: Any) -> None:
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice

        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.scaledToWidth(1280).save(buffer, "JPEG", 80)
        if self._capture:
            self._capture[1].stop()
        set_text(self.info, self.ctx.tr("photo.taken"))
        self.done.emit({self.step.id: {"jpeg_base64": bytes(data.toBase64().data()).decode("ascii")}})

    def skip(self) -> None:
        self.done.emit({self.step.id: None})

    def spoken_text(self) -> str:
        return f"{self.title()} {self.info.text()}"
