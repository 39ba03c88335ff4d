"""Read-only queries the kiosk needs that the repositories do not offer yet (notices, appointment
slots). Plain functions over a Station, run on the DB worker; no Qt here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select

from models.schema import AppointmentSlot, Notice, utcnow
from models.station import Station

DEFAULT_SLOT_DAYS = 3
DEFAULT_HOURS = ((9, 11), (14, 16))


@dataclass(frozen=True)
class Slot:
    id: str
    start: dt.datetime
    end: dt.datetime
    tentative: bool  # a default suggestion, to be confirmed by the station


@dataclass(frozen=True)
class NoticeItem:
    id: str
    title: str
    body: str
    published_at: dt.datetime


def synced_slots(
    station: Station, service: str, option: str | None, now: dt.datetime | None = None, limit: int = 6
) -> list[Slot]:
    now = now or utcnow()
    query = (
        select(AppointmentSlot)
        .where(
            AppointmentSlot.service == service,
            AppointmentSlot.starts_at > now,
            AppointmentSlot.booked + AppointmentSlot.local_booked < AppointmentSlot.capacity,
        )
        .order_by(AppointmentSlot.starts_at)
        .limit(limit)
    )
    if option:
        query = query.where(or_(AppointmentSlot.option.is_(None), AppointmentSlot.option == option))
    with station.read() as session:
        return [Slot(r.id, r.starts_at, r.ends_at, False) for r in session.execute(query).scalars()]


def default_slots(today: dt.date, days: int = DEFAULT_SLOT_DAYS) -> list[Slot]:
    """Mornings and afternoons of the next working days, offered while no slots have been synced."""
    slots: list[Slot] = []
    day = today
    while len(slots) < days * len(DEFAULT_HOURS):
        day += dt.timedelta(days=1)
        if day.weekday() == 6:  # Sunday: stations are closed
            continue
        for start, end in DEFAULT_HOURS:
            begin = dt.datetime.combine(day, dt.time(start))
            slots.append(
                Slot(f"default-{begin:%Y%m%d%H}", begin, dt.datetime.combine(day, dt.time(end)), True)
            )
    return slots


def slots_for(station: Station, service: str, option: str | None, today: dt.date | None = None) -> list[Slot]:
    found = synced_slots(station, service, option)
    return found or default_slots(today or dt.date.today())


def current_notices(
    station: Station, locale: str, now: dt.datetime | None = None, limit: int = 20
) -> list[NoticeItem]:
    now = now or utcnow()
    query = (
        select(Notice)
        .where(or_(Notice.expires_at.is_(None), Notice.expires_at > now))
        .order_by(Notice.published_at.desc())
        .limit(limit * 3)
    )
    with station.read() as session:
        rows = list(session.execute(query).scalars())
    # One notice may exist in several locales; prefer the reader's, fall back to Chinese.
    chosen = [r for r in rows if r.locale == locale] or [r for r in rows if r.locale == "zh_CN"]
    return [NoticeItem(r.id, r.title, r.body, r.published_at) for r in chosen[:limit]]


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    target: str


def recent_audit(station: Station, limit: int = 100) -> list[AuditRow]:
    from models.schema import AuditEvent

    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    with station.read() as session:
        return [AuditRow(e.seq, e.at, e.actor, e.action, e.target) for e in session.execute(query).scalars()]


def verify_audit(station: Station) -> list[str]:
    with station.read() as session:
        return [str(f) for f in station.audit.verify(session)]


def export_audit(station: Station, folder: Path, actor_label: str) -> Path:
    """Write the audit log as CSV (no personal data in it) and record the export itself."""
    import csv

    from models.schema import AuditEvent

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"audit-{dt.datetime.now():%Y%m%d-%H%M%S}.csv"
    with station.read() as session:
        events = list(session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars())
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["seq", "at", "actor", "action", "target", "detail", "mac"])
        for e in events:
            writer.writerow([e.seq, e.at.isoformat(), e.actor, e.action, e.target, e.detail, e.mac])
    with station.write() as session:
        station.audit.append(session, actor_label, "export", "audit_log", rows=len(events), file=path.name)
    return path
