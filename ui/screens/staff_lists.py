"""Volunteer lists, one screen parameterised by kind: today's requests, open help calls (with
已处理), living-alone residents who have not checked in, records the hub refused (with the reason),
sync status with 立即同步 (why sync stopped, if it did, and the hub changes that need a volunteer,
each with 已处理), and (admins) the audit log with chain verification and export. Every read of
a resident's data goes through the repositories with the volunteer as actor, so it is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtWidgets import QHBoxLayout

from models.requests import STATUS_KEYS, RequestRecord
from models.station import Actor, Station
from models.validation import mask_phone
from ui import i18n
from ui.queries import export_audit, recent_audit, verify_audit
from ui.screens.base import Screen
from ui.screens.lists import Card, CardList
from ui.theme import PALETTES
from ui.widgets import apply_icons, button, label, set_text

Loader = Callable[[Station, Actor], list[Card]]


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)


class StaffListScreen(Screen):
    screen_name = "staff_list"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.title = label("", "h1")
        self.root.addWidget(self.title)
        self.action_row = QHBoxLayout()
        self.action_row.setSpacing(24)
        self.root.addLayout(self.action_row)
        self.message = label("", "card")
        self.message.hide()
        self.root.addWidget(self.message)
        # 撤销 for a mistaken 已处理: offered on this screen until the volunteer leaves it.
        self.undo_row = QHBoxLayout()
        self.undo_row.setSpacing(24)
        self.undo_note = label("", "card")
        self.undo_button = button(self.ctx.tr("staff.undo"), "fa5s.undo", "", self.undo)
        self.undo_row.addWidget(self.undo_note, 1)
        self.undo_row.addWidget(self.undo_button)
        self.root.addLayout(self.undo_row)
        self.handled: list[tuple[str, dt.datetime, str]] = []  # (request id, stamp, code), newest last
        self._show_undo()
        self.list = CardList()
        self.root.addWidget(self.list, 1)
        self.kind = ""
        self.cards: list[Card] = []

    def enter(self, **params: Any) -> None:
        self.kind = str(params.get("kind", self.kind))
        set_text(self.title, self.ctx.tr(f"staff.{self.kind}" if self.kind != "audit" else "admin.audit"))
        self.message.hide()
        self.handled.clear()
        self._show_undo()
        self.clear_layout(self.action_row)
        if self.kind == "sync":
            self.action_row.addWidget(
                button(self.ctx.tr("staff.sync_now"), "fa5s.sync", "primary", self.sync_now)
            )
        elif self.kind == "audit":
            self.action_row.addWidget(
                button(self.ctx.tr("admin.verify"), "fa5s.shield-alt", "primary", self.verify)
            )
            self.action_row.addWidget(
                button(self.ctx.tr("admin.export"), "fa5s.file-export", "", self.export)
            )
        self.action_row.addStretch(1)
        self.reload()

    def reload(self) -> None:
        station, actor = self.ctx.require_station(), self.ctx.actor
        loader: Loader = getattr(self, f"_load_{self.kind}")
        self.ctx.db.run(lambda: loader(station, actor), self._show)

    def _show(self, cards: list[Card]) -> None:
        self.cards = cards
        self.list.set_cards(cards, self.ctx.tr("staff.empty"))
        apply_icons(self, PALETTES[self.ctx.theme], self.ctx.scale)

    # -- loaders (DB worker) --------------------------------------------------------------------
    def _title(self, service: str) -> str:
        return (
            self.ctx.pick(self.ctx.catalogue.get(service).title)
            if service in self.ctx.catalogue.ids()
            else service
        )

    def _who(self, station: Station, actor: Actor, record: RequestRecord) -> str:
        if not record.resident_id:
            return self.ctx.tr("staff.anonymous")
        resident = station.residents.get(record.resident_id, actor)  # audited read
        return f"{resident.name}（{resident.masked_id}）"

    def _when(self, record: RequestRecord) -> str:
        return i18n.short_time(self.ctx.locale, _local(record.created_at))

    def _load_today(self, station: Station, actor: Actor) -> list[Card]:
        start = (
            dt.datetime.combine(dt.date.today(), dt.time())
            .astimezone()
            .astimezone(dt.UTC)
            .replace(tzinfo=None)
        )
        return [
            Card(
                [
                    f"{self._when(r)} · {self._title(r.service)} · {r.receipt_code}",
                    f"{self._who(station, actor, r)} · {self.ctx.tr('status.' + r.status_key)}",
                ],
                "fa5s.file-alt",
            )
            for r in station.requests.list(since=start)
            if r.service != "rating"
        ]

    def _load_help(self, station: Station, actor: Actor) -> list[Card]:
        cards = []
        calls = station.requests.open_help_calls()
        # 一键呼叫 first (a red bell), then 请志愿者帮忙 (a helping hand): they must not look alike
        for r in sorted(calls, key=lambda c: (not c.urgent, c.created_at)):
            note = self.ctx.tr("staff.help_urgent") if r.urgent else self.ctx.tr("staff.help_assist")
            icon, color = ("fa5s.bell", "#8E0B0B") if r.urgent else ("fa5s.hands-helping", "#17406B")
            cards.append(
                Card(
                    [f"{self._when(r)} · {note}", f"{r.receipt_code} · {self._who(station, actor, r)}"],
                    icon,
                    color,
                    note,
                    [
                        (
                            self.ctx.tr("staff.acknowledge"),
                            "fa5s.check",
                            partial(self.acknowledge, r.id, r.receipt_code or "—"),
                        )
                    ],
                )
            )
        return cards

    def _load_checkins(self, station: Station, actor: Actor) -> list[Card]:
        hour = int(self.ctx.settings.get("checkin_deadline_hour", 10))
        missing = station.requests.missing_checkins(dt.date.today(), hour)
        cards = self._hub_warning_cards(station, actor)
        for resident in station.residents.get_many(missing, actor):  # one audited read for the list
            if resident.damaged:  # the others still show; this one says what is wrong
                cards.append(Card([self.ctx.tr("staff.damaged_record")], "fa5s.exclamation-triangle"))
                continue
            phone = mask_phone(resident.phone) if resident.phone else self.ctx.tr("staff.no_phone")
            cards.append(
                Card(
                    [
                        resident.name,
                        f"{resident.masked_id} · {phone}",
                        self.ctx.tr("staff.contact", who=resident.emergency_contact or "—"),
                    ],
                    "fa5s.user-clock",
                )
            )
        if not missing and dt.datetime.now().hour < hour:
            # today's own list waits for the deadline; the hub's warnings (days missed, 我不太好) never do
            cards.append(Card([self.ctx.tr("staff.before_deadline", hour=hour)], "fa5s.info-circle"))
        return cards

    def _hub_warning_cards(self, station: Station, actor: Actor) -> list[Card]:
        """The hub's 独居老人预警 for this station, most urgent first, above today's own list."""
        from models import hub_warnings

        cards = []
        for w in hub_warnings.read(station, actor):
            level = (
                self.ctx.tr("staff.hub_warning_unwell")
                if w.unwell
                else self.ctx.tr(f"staff.hub_level.{w.level}")
            )
            lines = [f"{level} · {w.name}", self.ctx.tr("staff.hub_warning_days", days=w.days_missed)]
            if w.outcome:
                lines.append(self.ctx.tr("staff.hub_warning_outcome", outcome=w.outcome))
            cards.append(
                Card(
                    lines,
                    "fa5s.exclamation-circle",
                    "#8E0B0B" if w.level >= 3 or w.unwell else "#8A4B00",
                    self.ctx.tr("staff.hub_warning"),
                )
            )
        return cards

    def _load_quarantine(self, station: Station, actor: Actor) -> list[Card]:
        return [
            Card(
                [
                    f"{self._title(r.service)} · {r.receipt_code}",
                    self.ctx.tr("staff.reason", reason=r.quarantine_reason or "—"),
                ],
                "fa5s.exclamation-triangle",
                "#8A4B00",
                self.ctx.tr("staff.quarantine"),
                [(self.ctx.tr("staff.resend"), "fa5s.redo", partial(self.resend, r.id))],
            )
            for r in station.requests.list(states={"QUARANTINED"})
        ]

    def _load_sync(self, station: Station, actor: Actor) -> list[Card]:
        status = self.ctx.sync_status()
        counts = station.requests.counts_by_state()
        last = i18n.short_time(self.ctx.locale, status.last_success) if status.last_success else "—"
        lines = [
            self.ctx.tr("status.online" if status.online else "status.offline"),
            self.ctx.tr("status.waiting", n=status.waiting),
            self.ctx.tr("staff.last_sync", time=last),
        ]
        # state words a volunteer reads (已办结, 已保存在本机 …), never enum names like DONE/QUEUED
        words: dict[str, int] = {}
        for state, n in counts.items():
            if state == "DRAFT":
                continue  # half-filled forms are not records yet
            word = self.ctx.tr("status." + STATUS_KEYS.get(state, "saved_locally"))
            words[word] = words.get(word, 0) + n
        detail = " · ".join(f"{word} {n}" for word, n in words.items())
        cards = [
            Card(lines, "fa5s.sync"),
            *self._parked_cards(station),
            Card([self.ctx.tr("staff.counts"), detail or "—"], "fa5s.list"),
        ]
        if status.stopped:  # sync stopped for a reason only a person can fix: say it first, in words
            cards.insert(0, Card([self.ctx.tr(f"sync.stopped.{status.stopped}")], "fa5s.ban", "#8E0B0B"))
        elif status.failure:  # the last pass failed and will be retried: why, in plain words
            reason = i18n.sync_failure(self.ctx.locale, status.failure)
            cards.insert(
                0, Card([self.ctx.tr("sync.last_failed"), reason], "fa5s.exclamation-triangle", "#8A4B00")
            )
        return cards

    def _parked_cards(self, station: Station) -> list[Card]:
        """Hub changes that could not apply (sync/parking.py), each with 已处理 once dealt with."""
        from sync.parking import open_parked

        parked = open_parked(station)
        return [
            Card(
                [
                    self.ctx.tr("sync.parked", n=len(parked)),
                    self.ctx.tr("sync.parked_item", code=p.receipt_code or "—", seq=p.seq, reason=p.reason),
                ],
                "fa5s.pause-circle",
                "#8A4B00",
                self.ctx.tr("sync.parked", n=len(parked)),
                [(self.ctx.tr("staff.acknowledge"), "fa5s.check", partial(self.dismiss_parked, p.id))],
            )
            for p in parked
        ]

    def _load_audit(self, station: Station, actor: Actor) -> list[Card]:
        return [
            Card([f"#{e.seq} · {e.action} · {e.actor}", f"{_local(e.at):%Y-%m-%d %H:%M:%S} · {e.target}"])
            for e in recent_audit(station, 60)
        ]

    # -- actions --------------------------------------------------------------------------------
    def acknowledge(self, request_id: str, code: str) -> None:
        station, actor = self.ctx.require_station(), self.ctx.actor

        def done(stamped: dt.datetime | None) -> None:
            if stamped is not None:
                self.handled.append((request_id, stamped, code))
            self._show_undo()
            self.reload()

        self.ctx.db.run(lambda: station.requests.acknowledge_help(request_id, actor), done)

    def undo(self) -> None:
        """撤销: the last call marked 已处理 on this screen is open again (audited)."""
        if not self.handled:
            return
        request_id, stamped, code = self.handled.pop()
        station, actor = self.ctx.require_station(), self.ctx.actor

        def done(reopened: bool) -> None:
            self._show_undo()
            self._say(self.ctx.tr("staff.undone" if reopened else "staff.undo_too_late", code=code))
            self.reload()

        self.ctx.db.run(lambda: station.requests.undo_acknowledge_help(request_id, stamped, actor), done)

    def _show_undo(self) -> None:
        shown = bool(self.handled)
        self.undo_note.setVisible(shown)
        self.undo_button.setVisible(shown)
        if shown:
            set_text(self.undo_note, self.ctx.tr("staff.handled", code=self.handled[-1][2]))

    def resend(self, request_id: str) -> None:
        """The volunteer fixed what the hub refused: queue the same envelope again and sync."""
        from sync.outbox import requeue_quarantined

        station, actor, port = self.ctx.require_station(), self.ctx.actor, self.ctx.sync

        def op() -> None:
            requeue_quarantined(station, request_id, actor.label)
            if port is not None:
                port.sync_now()

        self.ctx.db.run(op, lambda _r: self.reload())

    def dismiss_parked(self, parked_id: str) -> None:
        from sync.parking import dismiss

        station, actor = self.ctx.require_station(), self.ctx.actor
        self.ctx.db.run(lambda: dismiss(station, parked_id, actor.label), lambda _r: self.reload())

    def sync_now(self) -> None:
        port = self.ctx.sync
        if port is None or getattr(port, "joined", True) is False:  # never joined a hub: it says so
            self._say(self.ctx.tr("sync.stopped.not_enrolled"))
            return
        self._say(self.ctx.tr("staff.syncing"))
        self.ctx.db.run(port.sync_now, lambda _r: self.reload())

    def verify(self) -> None:
        station = self.ctx.require_station()
        self.ctx.db.run(lambda: verify_audit(station), self._verified)

    def _verified(self, findings: list[str]) -> None:
        self._say(
            self.ctx.tr("admin.chain_ok")
            if not findings
            else self.ctx.tr("admin.chain_bad", n=len(findings)) + "\n" + "\n".join(findings[:5])
        )

    def export(self) -> None:
        station, folder, who = self.ctx.require_station(), self.ctx.data_dir / "exports", self.ctx.actor.label
        self.ctx.db.run(
            lambda: export_audit(station, folder, who),
            lambda path: self._say(self.ctx.tr("admin.exported", path=str(path))),
        )

    def _say(self, text: str) -> None:
        set_text(self.message, text)
        self.message.show()
