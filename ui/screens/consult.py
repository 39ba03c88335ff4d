"""居民议事 at the kiosk, one decision per screen: hear the question (read aloud, 再说一遍), identify,
choose an option (big buttons or voice), optionally add a suggestion, confirm, "您的意见已记录".

The flow reuses the service flow's step pages on a consultation turned into a `Service`; only
submission differs: the vote is sealed to the hub straight into the outbox (sync/consult_votes.py)
and no draft is ever kept, so no answer rests on the station next to the resident's name.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy

from models import consultations
from models.catalogue import Option, Service, Step
from models.residents import ResidentRecord
from ui.navigator import ScreenKey
from ui.screens.base import Screen
from ui.screens.flow import ServiceScreen
from ui.tasks import while_alive
from ui.widgets import button, icon_label, label, set_text

CONSULT_COLOR = "#6C3483"
CONSULT_ICON = "fa5s.vote-yea"


def _all_locales(text: str) -> dict[str, str]:
    # The hub writes the question in one language; every locale shows it as written.
    return {"zh_CN": text, "en": text, "ko": text}


def as_service(ctx: Any, c: consultations.Consultation) -> Service:
    """The consultation as a flow of existing step pages (no drafts: kind "screen")."""
    steps = [Step(kind="identify", id="identify")]
    if c.options:
        steps.append(
            Step(
                kind="choose",
                id="option",
                title={k: ctx.tr("consult.choose") for k in ("zh_CN", "en", "ko")},
                options=tuple(
                    Option(id=str(i), label=_all_locales(name), icon="fa5s.hand-point-right")
                    for i, name in enumerate(c.options)
                ),
            )
        )
    if c.allow_suggestions:
        title = ctx.tr("consult.suggest_only" if c.suggestions_only else "consult.suggest")
        steps.append(
            Step(
                kind="text",
                id="suggestion",
                title=_all_locales(title),
                optional=not c.suggestions_only,
                max_length=500,
                dictation=True,
            )
        )
    steps.append(Step(kind="confirm", id="confirm"))
    return Service(
        id=f"consult:{c.id}",
        kind="screen",
        order=0,
        icon=CONSULT_ICON,
        color=CONSULT_COLOR,
        title=_all_locales(c.title),
        short=_all_locales(c.title),
        prompt=_all_locales(c.body),
        voice={},
        steps=tuple(steps),
    )


class ConsultTile(QPushButton):
    """The home screen's 议事 banner, one row high, shown only while a consultation is open: an icon,
    "居民议事" and the question's title (a QPushButton's own text cannot wrap, hence the labels)."""

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__()
        self.ctx, self.nav = ctx, nav
        self.setProperty("role", "tile")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        row = QHBoxLayout(self)
        row.setContentsMargins(24, 10, 24, 10)
        row.setSpacing(24)
        row.addWidget(icon_label(CONSULT_ICON, CONSULT_COLOR, 56))
        self.name = label(ctx.tr("consult.tile"), "tile", wrap=False)
        self.subtitle = label("", "h2")
        for widget in (self.name, self.subtitle):
            widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        row.addWidget(self.name)
        row.addWidget(self.subtitle, 1)
        self.setAccessibleName(ctx.tr("consult.tile"))
        self.hide()
        self.clicked.connect(lambda _c=False: self.nav.go(ScreenKey.CONSULT))

    def refresh(self) -> None:
        station = self.ctx.station
        if station is None:
            self.hide()
            return
        # The tile may be gone when the answer comes (home rebuilt for another language).
        self.ctx.db.run(partial(consultations.open_consultations, station), while_alive(self._show))

    def _show(self, open_now: list[consultations.Consultation]) -> None:
        if not open_now:
            self.hide()
            return
        title = self.ctx.tr("consult.tile_title", title=open_now[0].title)
        set_text(self.subtitle, title)
        self.setAccessibleName(f"{self.ctx.tr('consult.tile')} {title}")
        self.show()


class ConsultScreen(Screen):
    """The question, big and read aloud, with 再说一遍 and 我要参加."""

    screen_name = "consult"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.consultation: consultations.Consultation | None = None
        self.headline = self.heading("", "h1")
        self.question = label("", "summary")
        self.question.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.root.addWidget(self.question)
        self.root.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(40)
        self.again = button(ctx.tr("consult.again"), "fa5s.volume-up", "", self.speak)
        self.join = button(ctx.tr("consult.join"), "fa5s.check", "primary", self.start)
        for widget in (self.again, self.join):
            widget.setMinimumHeight(110)
            row.addWidget(widget, 1)
        self.root.addLayout(row)

    def enter(self, **params: Any) -> None:
        station = self.ctx.station
        if station is not None:
            self.ctx.db.run(partial(consultations.open_consultations, station), while_alive(self._loaded))

    def _loaded(self, open_now: list[consultations.Consultation]) -> None:
        self.consultation = open_now[0] if open_now else None
        if self.consultation is None:
            set_text(self.headline, self.ctx.tr("consult.none"))
            set_text(self.question, "")
            self.join.setEnabled(False)
        else:
            set_text(self.headline, self.consultation.title)
            set_text(self.question, self.consultation.body)
            self.join.setEnabled(True)
        if self.nav.current is self:
            self.nav.changed.emit(self)  # speak the question now that it is known

    def speak(self) -> None:
        self.ctx.say(self.spoken_text())

    def start(self) -> None:
        if self.consultation is not None:
            self.nav.go(ScreenKey.CONSULT_FLOW, consultation=self.consultation)

    def reset(self) -> None:
        self.consultation = None

    def spoken_text(self) -> str:
        if self.consultation is None:
            return ""
        return f"{self.consultation.title}。{self.consultation.body} {self.ctx.tr('consult.join_hint')}"

    def handle_intent(self, intent: str) -> bool:
        if intent == "repeat":
            self.speak()
            return True
        if intent == "yes":
            self.start()
            return True
        return False


class ConsultFlowScreen(ServiceScreen):
    """identify → choose → (suggestion) → confirm, ending in a vote instead of a request."""

    screen_name = "consult_flow"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.consultation: consultations.Consultation | None = None
        self._identifying: ResidentRecord | None = None  # while asking whether they took part

    def _enter(self, params: dict[str, Any]) -> None:
        if params.get("resume") and self.service is not None:
            self._show_step()
            return
        found = params.get("consultation")
        if found is None:
            return
        self.reset()
        self.consultation = found
        self.start(as_service(self.ctx, found))

    def reset(self) -> None:
        super().reset()
        self.consultation = None
        self._identifying = None

    def identified(self, record: ResidentRecord) -> None:
        station, c = self.ctx.station, self.consultation
        if station is None or c is None:
            return
        self._identifying = record
        self.ctx.db.run(
            partial(consultations.participation, station, c.id, record.id_number),
            while_alive(self._took_part),
            while_alive(self._submit_failed),
        )

    def _took_part(self, earlier: str | None) -> None:
        record, self._identifying = self._identifying, None
        if record is None:
            return  # the flow was left (or wiped) while the answer was on its way
        if earlier is None:
            super().identified(record)
        else:
            self._finish(earlier)

    def submit(self) -> None:
        station, c, resident = self.ctx.station, self.consultation, self.resident
        if station is None or c is None or resident is None:
            return
        raw = self.fields.get("option")
        option = int(raw) if raw is not None else None
        suggestion = str(self.fields.get("suggestion") or "") or None
        id_number = resident.id_number

        def vote() -> str:
            # here, on the DB worker: sync's protocol models (pydantic) are not needed on the home screen
            from sync.consult_votes import VoteRefused, cast_vote

            try:
                cast_vote(station, c.id, id_number, option, suggestion)
            except VoteRefused as refused:
                return refused.reason
            return "thanks"

        self.ctx.db.run(vote, while_alive(self._finish), while_alive(self._submit_failed))

    def _finish(self, outcome: str) -> None:
        self.reset()
        self.nav.go(ScreenKey.CONSULT_DONE, remember=False, outcome=outcome)

    def voice_intents(self) -> dict[str, tuple[str, ...]]:
        from voice.screens import screen_intents

        page = self.page
        options = {o.id: (self.ctx.pick(o.label),) for o in page.step.options} if page is not None else {}
        return screen_intents("consult", self.ctx.locale, self.ctx.catalogue, extra_commands=options)


class ConsultDoneScreen(Screen):
    """The end: "您的意见已记录", or why this resident could not take part again."""

    screen_name = "consult_done"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.root.addStretch(1)
        self.icon = icon_label("fa5s.check-circle", "#1E8449", 120)
        self.root.addWidget(self.icon)
        self.message = label("", "h1", align=Qt.AlignmentFlag.AlignCenter)
        self.detail = label("", "h2", align=Qt.AlignmentFlag.AlignCenter)
        self.root.addWidget(self.message)
        self.root.addWidget(self.detail)
        self.root.addStretch(1)
        self.home_button = button(ctx.tr("consult.home"), "fa5s.home", "primary", self.nav.home)
        self.home_button.setMinimumSize(480, 110)
        self.root.addWidget(self.home_button, 0, Qt.AlignmentFlag.AlignHCenter)

    def enter(self, **params: Any) -> None:
        outcome = str(params.get("outcome", "thanks"))
        self.icon.setVisible(outcome == "thanks")
        set_text(self.message, self.ctx.tr(f"consult.done.{outcome}"))
        set_text(self.detail, self.ctx.tr(f"consult.detail.{outcome}"))

    def spoken_text(self) -> str:
        return f"{self.message.text()} {self.detail.text()}"
