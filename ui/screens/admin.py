"""Admin screens: station settings (declared in models.settings, saved with the admin as actor) and
volunteers with their PINs and roles."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QWidget,
)

from models.settings import SETTINGS, coerce
from models.validation import ValidationError
from models.volunteers import VolunteerRecord
from ui import i18n
from ui.i18n import LOCALES
from ui.navigator import ScreenKey
from ui.screens.base import Screen
from ui.screens.lists import Card, CardList
from ui.theme import PALETTES
from ui.widgets import apply_icons, button, label, set_text

HIDDEN = {"station_prefix", "demo"}
# Settings a volunteer picks from a few big buttons instead of typing a number.
CHOICES: dict[str, tuple[tuple[float, str], ...]] = {
    "text_scale": ((1.0, "size.0"), (1.15, "size.1"), (1.3, "size.2")),
    "tts_volume": ((0.5, "volume.low"), (0.7, "volume.mid"), (0.9, "volume.high"), (1.0, "volume.max")),
}


class FormScroll(QScrollArea):
    """The settings form's own scroll area. It asks for only a little height and takes the rest of
    the screen by its stretch, so the heading and 保存设置 stay in view and the form alone scrolls:
    asking for the form's whole height (Qt's default) made the screen's own scroll area scroll too
    at the largest text — two scroll bars, and 保存设置 half under the fold at 1920×1080."""

    LEAST_HEIGHT = 160  # about two rows of the form at the largest text

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.LEAST_HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self.LEAST_HEIGHT)


class ChoiceRow(QWidget):
    """One big button per value; exactly one is chosen (a checked button looks pressed). As many
    buttons stand side by side as the row's width holds with their words whole (up to three; four
    choices as 2 × 2): on a portrait panel at the largest text "largest" did not fit a third of it."""

    SPACING = 16

    def __init__(self, ctx: Any, choices: tuple[tuple[float, str], ...], name: str) -> None:
        super().__init__()
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(self.SPACING)
        self.most_columns = 3 if len(choices) <= 3 else 2
        self.columns = 0
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.values: list[float] = []
        self.buttons: list[QPushButton] = []
        for value, key in choices:
            widget = button(ctx.tr(key), "", "option", name=f"{name}：{ctx.tr(key)}")
            widget.setCheckable(True)
            self.group.addButton(widget, len(self.values))
            self.values.append(value)
            self.buttons.append(widget)
        self._arrange(self.most_columns)

    def _arrange(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for widget in self.buttons:
            self.grid.removeWidget(widget)
        for index, widget in enumerate(self.buttons):
            self.grid.addWidget(widget, index // columns, index % columns)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Columns follow the width only (never the height), so this settles after one change.
        widest = max(widget.sizeHint().width() for widget in self.buttons)
        fits = (event.size().width() + self.SPACING) // (widest + self.SPACING)
        self._arrange(max(1, min(self.most_columns, fits)))

    def value(self) -> float:
        return self.values[max(0, self.group.checkedId())]

    def set_value(self, value: Any) -> None:
        wanted = float(value) if value is not None else self.values[0]
        index = min(range(len(self.values)), key=lambda i: abs(self.values[i] - wanted))
        self.group.button(index).setChecked(True)


class SettingsScreen(Screen):
    screen_name = "admin_settings"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.root.addWidget(label(ctx.tr("admin.settings"), "h1"))
        scroll = FormScroll()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.verticalScrollBar().setAccessibleName("scroll")
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        form = QFormLayout(inner)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # label above its field when narrow
        form.setVerticalSpacing(14)
        form.setHorizontalSpacing(24)
        form.setContentsMargins(0, 0, 24, 0)
        self.inputs: dict[str, QWidget] = {}
        for spec in SETTINGS:
            if spec.key in HIDDEN:
                continue
            name = ctx.tr(f"setting.{spec.key}")
            widget: QWidget
            if spec.kind is bool:
                widget = QCheckBox(name)
            elif spec.key in CHOICES:
                widget = ChoiceRow(ctx, CHOICES[spec.key], name)
            elif spec.key == "locale":
                combo = QComboBox()
                for code in LOCALES:
                    combo.addItem(ctx.tr(f"locale.{code}"), code)
                widget = combo
            else:
                widget = QLineEdit()
                widget.setMinimumWidth(320)
            widget.setAccessibleName(name)
            self.inputs[spec.key] = widget
            if isinstance(widget, QCheckBox):
                form.addRow(widget)
            else:
                form.addRow(label(name, wrap=False), widget)
        self.theme = QCheckBox(ctx.tr("admin.high_contrast"))
        self.theme.setAccessibleName(ctx.tr("admin.high_contrast"))
        form.addRow(self.theme)
        # Joining the hub: the one-time code from `yizhan-hub enrol-code` (or the console's 驿站 page).
        self.enrol_code = QLineEdit()
        self.enrol_code.setAccessibleName(ctx.tr("admin.enrol_code"))
        enrol_row = QHBoxLayout()
        enrol_row.setSpacing(20)  # ≥ 2.5 mm between the field and its button
        enrol_row.addWidget(self.enrol_code, 1)
        enrol_row.addWidget(button(ctx.tr("admin.enrol"), "fa5s.link", "", self.enrol))
        form.addRow(label(ctx.tr("admin.enrol_code"), wrap=False), enrol_row)
        scroll.setWidget(inner)
        self.root.addWidget(scroll, 1)
        self.message = label("", "card")
        self.message.hide()
        self.root.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(button(ctx.tr("admin.save"), "fa5s.check", "primary", self.save))
        self.root.addLayout(row)

    def enter(self, **params: Any) -> None:
        for key, widget in self.inputs.items():
            value = self.ctx.settings.get(key)
            if isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, ChoiceRow):
                widget.set_value(value)
            elif isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value)))
            elif isinstance(widget, QLineEdit):
                widget.setText("" if value is None else str(value))
        self.theme.setChecked(self.ctx.theme != "default")
        self.message.hide()
        if params.get("saved"):
            self._tell(self.ctx.tr("admin.saved"))

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, widget in self.inputs.items():
            if isinstance(widget, QCheckBox):
                out[key] = widget.isChecked()
            elif isinstance(widget, ChoiceRow):
                out[key] = widget.value()
            elif isinstance(widget, QComboBox):
                out[key] = widget.currentData()
            elif isinstance(widget, QLineEdit):
                out[key] = coerce(key, widget.text().strip())
        return out

    def save(self) -> None:
        try:
            changes = self.values()
        except ValueError:
            set_text(self.message, self.ctx.tr("admin.bad_value"))
            self.message.show()
            return
        station, actor = self.ctx.require_station(), self.ctx.actor

        def op() -> dict[str, Any]:
            station.update_settings(actor, **changes)
            return station.settings()

        self.ctx.db.run(op, self._saved)

    def enrol(self) -> None:
        """Redeem the enrolment code at the hub address above; then the background sync starts."""
        hub_url = self.values().get("hub_url", "") if self._values_ok() else ""
        code = self.enrol_code.text().strip()
        if not hub_url or not code:
            self._tell(self.ctx.tr("admin.enrol_missing"))
            return
        station, actor = self.ctx.require_station(), self.ctx.actor

        def op() -> str:
            from sync.credentials import enrol_station
            from sync.demo_guard import check_demo_enrol

            check_demo_enrol(station, hub_url)  # a demo station joins only a demo hub
            return enrol_station(station, hub_url, code, actor).station_name

        def done(name: str) -> None:
            self.enrol_code.clear()
            self._tell(self.ctx.tr("admin.enrolled", name=name))
            start = getattr(self.ctx, "start_sync", None)
            if start is not None:
                start()

        self.ctx.db.run(op, done, self._enrol_failed)

    def _enrol_failed(self, exc: BaseException) -> None:
        """Why joining failed, in plain words in the user's language (never the exception's English)."""
        from sync.demo_guard import DemoStationRefused
        from sync.failures import failure_kind

        kind = "enrol_demo" if isinstance(exc, DemoStationRefused) else failure_kind(exc)
        self._tell(self.ctx.tr("admin.enrol_failed", detail=i18n.sync_failure(self.ctx.locale, kind)))

    def _values_ok(self) -> bool:
        try:
            self.values()
        except ValueError:
            return False
        return True

    def _tell(self, text: str) -> None:
        set_text(self.message, text)
        self.message.show()

    def _saved(self, settings: dict[str, Any]) -> None:
        """Saved: the admin stays on this screen and is told so (a new language rebuilds the screens,
        so then a fresh settings screen is shown with the same words)."""
        self.ctx.settings = settings
        self.ctx.set_theme("high_contrast" if self.theme.isChecked() else "default")
        locale = str(settings.get("locale", self.ctx.locale))
        if locale != self.ctx.locale:
            self.ctx.locale = locale
            self.ctx.changed.emit("settings")
            self.nav.go(ScreenKey.ADMIN_SETTINGS, remember=False, saved=True)
            return
        self.ctx.changed.emit("settings_kept")
        self._tell(self.ctx.tr("admin.saved"))
        self.ctx.say(self.ctx.tr("admin.saved"))


class VolunteersScreen(Screen):
    screen_name = "admin_volunteers"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.root.addWidget(label(ctx.tr("admin.volunteers"), "h1"))
        row = QHBoxLayout()
        row.setSpacing(20)
        self.name = QLineEdit()
        self.name.setAccessibleName(ctx.tr("admin.vol_name"))
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setAccessibleName(ctx.tr("admin.vol_pin"))
        self.role = QComboBox()
        self.role.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # words whole
        self.role.setAccessibleName(ctx.tr("admin.vol_role"))
        for role in ("volunteer", "admin"):
            self.role.addItem(ctx.tr(f"role.{role}"), role)
        row.addWidget(label(ctx.tr("admin.vol_name"), wrap=False))
        row.addWidget(self.name, 2)
        row.addWidget(label(ctx.tr("admin.vol_pin"), wrap=False))
        row.addWidget(self.pin, 1)
        row.addWidget(self.role)
        row.addWidget(button(ctx.tr("admin.vol_add"), "fa5s.user-plus", "primary", self.add))
        self.root.addLayout(row)
        self.message = label("", "error")
        self.message.hide()
        self.root.addWidget(self.message)
        self.list = CardList()
        self.root.addWidget(self.list, 1)

    def enter(self, **params: Any) -> None:
        self.message.hide()
        station = self.ctx.require_station()
        self.ctx.db.run(station.volunteers.list, self._show)

    def _show(self, records: list[VolunteerRecord]) -> None:
        me = getattr(self.ctx.staff, "id", None)
        cards = []
        for r in records:
            actions = []
            if r.active:
                actions.append((self.ctx.tr("admin.vol_set_pin"), "fa5s.key", partial(self.set_pin, r.id)))
                if r.id != me:  # an admin cannot lock themselves out
                    actions.append(
                        (
                            self.ctx.tr("admin.vol_deactivate"),
                            "fa5s.user-slash",
                            partial(self.deactivate, r.id),
                        )
                    )
            cards.append(
                Card(
                    [
                        r.name,
                        f"{self.ctx.tr('role.' + r.role)} · "
                        f"{self.ctx.tr('admin.active' if r.active else 'admin.inactive')}",
                    ],
                    "fa5s.user",
                    actions=actions,
                )
            )
        self.list.set_cards(cards, self.ctx.tr("staff.empty"))
        apply_icons(self.list, PALETTES[self.ctx.theme], self.ctx.scale)

    def add(self) -> None:
        station, actor = self.ctx.require_station(), self.ctx.actor
        name, pin, role = self.name.text(), self.pin.text(), str(self.role.currentData())
        self.ctx.db.run(
            lambda: station.volunteers.add(name, pin, role, actor), lambda _id: self._added(), self._failed
        )

    def set_pin(self, volunteer_id: str) -> None:
        """Give this volunteer the PIN typed in the PIN field above (they forgot theirs)."""
        pin = self.pin.text()
        if not pin:
            set_text(self.message, self.ctx.tr("admin.vol_pin_first"))
            self.message.show()
            return
        station, actor = self.ctx.require_station(), self.ctx.actor
        self.ctx.db.run(
            lambda: station.volunteers.set_pin(volunteer_id, pin, actor),
            lambda _r: self._added(),
            self._failed,
        )

    def deactivate(self, volunteer_id: str) -> None:
        station, actor = self.ctx.require_station(), self.ctx.actor
        self.ctx.db.run(
            lambda: station.volunteers.deactivate(volunteer_id, actor), lambda _r: self.enter(), self._failed
        )

    def _added(self) -> None:
        self.name.clear()
        self.pin.clear()
        self.enter()

    def _failed(self, exc: BaseException) -> None:
        text = (
            exc.message(self.ctx.locale) if isinstance(exc, ValidationError) else self.ctx.tr("error.generic")
        )
        set_text(self.message, text)
        self.message.show()
