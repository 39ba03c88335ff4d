"""Register or edit a resident (volunteers, with the resident's consent). Look up by ID number first;
a found resident's data is filled in (an audited read); saving validates every field, and a refused
field gets its message right under it (naming the field, in volunteer wording — the ID message says
which part is wrong) with the focus moved there, without clearing what was typed. A desk ID-card reader
in keyboard mode (ui/id_reader.py) fills the ID number and looks it up, whichever field has the focus."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from models.residents import ResidentInput, ResidentRecord
from models.validation import ValidationError, normalize_id_number
from ui.id_reader import IdReader
from ui.screens.base import Screen
from ui.widgets import button, label, scrolling, set_text

FIELDS = ("id_number", "name", "phone", "address", "emergency_contact")


class ResidentFormScreen(Screen):
    screen_name = "resident_form"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.root.addWidget(label(ctx.tr("resident.title"), "h1"))
        inner = QWidget()
        form = QFormLayout(inner)
        form.setContentsMargins(0, 0, 24, 0)
        form.setVerticalSpacing(12)
        form.setHorizontalSpacing(24)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # label above its field when narrow
        self.inputs: dict[str, QLineEdit] = {}
        self.field_errors: dict[str, Any] = {}  # the message under each field
        for key in FIELDS:
            edit = QLineEdit()
            edit.setAccessibleName(ctx.tr(f"resident.{key}"))
            edit.setMinimumWidth(320)
            edit.textEdited.connect(lambda _t, k=key: self._clear_field_error(k))
            self.inputs[key] = edit
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(6)
            if key == "id_number":
                row = QHBoxLayout()
                row.setSpacing(20)
                row.addWidget(edit, 1)
                row.addWidget(button(ctx.tr("resident.find"), "fa5s.search", "", self.find_resident))
                column.addLayout(row)
            else:
                column.addWidget(edit)
            column.addWidget(self._error_label(key))
            form.addRow(label(ctx.tr(f"resident.{key}"), wrap=False), cell)
        self.alone = QCheckBox(ctx.tr("resident.living_alone"))
        self.alone.setAccessibleName(ctx.tr("resident.living_alone"))
        self.consent = QCheckBox(ctx.tr("resident.consent"))
        self.consent.setAccessibleName(ctx.tr("resident.consent"))
        self.consent.toggled.connect(lambda _on: self._clear_field_error("consent"))
        form.addRow(self.alone)
        form.addRow(self.consent)
        form.addRow(self._error_label("consent"))
        self.root.addWidget(scrolling(inner), 1)
        self.message = label("", "error")
        self.message.hide()
        self.root.addWidget(self.message)
        row = QHBoxLayout()
        row.addWidget(button(ctx.tr("resident.new"), "fa5s.eraser", "", self.reset))
        row.addStretch(1)
        self.save_button = button(ctx.tr("resident.save"), "fa5s.check", "primary", self.save)
        row.addWidget(self.save_button)
        self.root.addLayout(row)
        self.editing: str | None = None
        self.reader = IdReader(self)
        self.reader.scanned.connect(self.scanned)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reader.start()  # listens application-wide only while this form is on screen

    def hideEvent(self, event: QHideEvent) -> None:
        self.reader.stop()
        super().hideEvent(event)

    def scanned(self, number: str) -> None:
        """A reader's burst: a good number goes into the ID field and is looked up; a bad one gets the
        form's own message under the ID field, and every field keeps what was typed."""
        try:
            number = normalize_id_number(number)
        except ValidationError as exc:
            self._failed(exc)
            return
        self._clear_field_error("id_number")
        self.inputs["id_number"].setText(number)
        self.find_resident()

    def _error_label(self, key: str) -> Any:
        widget = label("", "error")
        widget.hide()
        self.field_errors[key] = widget
        return widget

    def _clear_field_error(self, key: str) -> None:
        self.field_errors[key].hide()

    def field_error(self, key: str, message: str) -> None:
        """The message under the field it is about ("身份证号码：…"), and the focus there."""
        name = self.ctx.tr("resident.consent_label" if key == "consent" else f"resident.{key}")
        set_text(self.field_errors[key], self.ctx.tr("resident.field_error", field=name, message=message))
        self.field_errors[key].show()
        target = self.consent if key == "consent" else self.inputs[key]
        target.setAccessibleDescription(message)
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        self.message.hide()
        self.ctx.say(self.field_errors[key].text())

    def find_resident(self) -> None:
        station, actor, number = self.ctx.require_station(), self.ctx.actor, self.inputs["id_number"].text()
        self.ctx.db.run(lambda: station.residents.find_by_id_number(number, actor), self._found, self._failed)

    def _found(self, record: ResidentRecord | None) -> None:
        if record is None:
            self._note(self.ctx.tr("resident.not_found"), error=False)
            self.editing = None
            return
        self.editing = record.id
        for key in FIELDS:
            self.inputs[key].setText(str(getattr(record, key)))
        self.alone.setChecked(record.living_alone)
        self.consent.setChecked(record.consent_at is not None)
        self._note(self.ctx.tr("resident.editing", name=record.name), error=False)

    def save(self) -> None:
        for widget in self.field_errors.values():
            widget.hide()
        if not self.consent.isChecked():
            self.field_error("consent", self.ctx.tr("resident.need_consent"))
            return
        data = ResidentInput(
            name=self.inputs["name"].text(),
            id_number=self.inputs["id_number"].text(),
            phone=self.inputs["phone"].text(),
            address=self.inputs["address"].text(),
            living_alone=self.alone.isChecked(),
            emergency_contact=self.inputs["emergency_contact"].text(),
            consent=True,
        )
        station, actor, editing = self.ctx.require_station(), self.ctx.actor, self.editing

        def op() -> str:
            if editing:
                station.residents.update(editing, data, actor)
                return editing
            return station.residents.add(data, actor)

        self.ctx.db.run(op, self._saved, self._failed)

    def _saved(self, resident_id: str) -> None:
        self.editing = resident_id
        self._note(self.ctx.tr("resident.saved"), error=False)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError) and exc.field in self.field_errors:
            # volunteer wording; for an ID number it names the part that is wrong
            key = f"resident.id_problem.{exc.problem.code}"
            words = self.ctx.tr(key)
            self.field_error(exc.field, words if words != key else exc.message(self.ctx.locale))
        elif isinstance(exc, ValidationError):
            self._note(exc.message(self.ctx.locale))
        else:  # said to a volunteer: never "请志愿者帮忙"
            self._note(self.ctx.tr("error.staff_generic"))

    def _note(self, text: str, *, error: bool = True) -> None:
        set_text(self.message, text)
        self.message.setProperty("role", "error" if error else "card")
        self.message.style().polish(self.message)
        self.message.show()

    def reset(self) -> None:
        for edit in self.inputs.values():
            edit.clear()
        self.alone.setChecked(False)
        self.consent.setChecked(False)
        self.editing = None
        self.message.hide()
        for widget in self.field_errors.values():
            widget.hide()
