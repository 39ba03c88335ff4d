"""Free text (dictation when voice is on, or a volunteer typing) shown big for checking, and the
optional photo step (camera if present; otherwise it says why and offers to skip)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit

from models.validation import ValidationError, clean_text
from ui.steps.base import StepPage
from ui.widgets import button, label, set_text


class TextPage(StepPage):
    def __init__(self, ctx: Any, flow: Any, step: Any) -> None:
        super().__init__(ctx, flow, step)
        self.hint = label(ctx.tr("text.hint_voice" if step.dictation and ctx.voice_on else "text.hint_type"), "muted")
        self.edit = QPlainTextEdit()
        self.edit.setAccessibleName(self.title())
        self.edit.setMinimumHeight(260)
        self.edit.setProperty("role", "big")
        self.box.addWidget(self.hint)
        self.box.addWidget(self.edit, 1)
        self.box.addWidget(self.error)
        row = QHBoxLayout()
        row.setSpacing(24)
        if step.optional:
            row.addWidget(button(ctx.tr("step.skip"), "fa5s.forward", "", self.skip))
        row.addStretch(1)
        self.next_button = button(ctx.tr("step.next"), "fa5s.arrow-right", "primary", self.next)
        self.next_button.setMinimumWidth(480)
        row.addWidget(self.next_button)
        self.box.addLayout(row)

    def set_dictated(self, text: str) -> None:
        """Dictation result from the voice layer: shown big for the resident to confirm or correct."""
        self.edit.setPlainText(text)

    def next(self) -> None:
        try:
            text = clean_text(self.edit.toPlainText(), max_length=self.step.max_length, multiline=True)
        except ValidationError as exc:
            self.show_error(exc.message(self.ctx.locale))
            return
        if not text and not self.step.optional:
            self.show_error(self.ctx.tr("text.required"))
            return
        self.done.emit({self.step.id: text})

    def skip(self) -> None:
        self.done.emit({self.step.id: ""})

    def reset(self) -> None:
        super().reset()
        self.edit.clear()

    def handle_intent(self, intent: str) -> bool:
        if intent == "yes":
            self.next()
            return True
        return False


def camera_available() -> bool:
    try:
        from PySide6.QtMultimedia import QMediaDevices

        return bool(QMediaDevices.videoInputs())
    except Exception:  # no multimedia backend: behave as if there were no camera
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
