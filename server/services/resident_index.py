"""What the console knows about residents, built from the payloads stations pushed.

The hub has no resident register: a resident exists here because a station sent a request with a
`resident` snapshot (name, id_number, phone, address, living_alone, emergency_contact). `refresh`
reads requests received since a watermark (minus an overlap, since a push transaction may commit
a little after the time it stamped) and keeps, per station and resident, the newest snapshot
(encrypted), the daily check-in days, and each request's non-personal facts (problem category,
booked slot). Re-reading a request is harmless, so the overlap never double-counts.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session

from server.core.db import is_postgres
from server.core.keys import HubKeys
from server.db.console_models import CheckinVisit, ConsoleState, HubResident, RequestFacts, ResidentCheckin
from server.db.models import ServiceRequest, Station
from server.services.records import payload_aad

WATERMARK = "resident_index_watermark"
OVERLAP = timedelta(minutes=10)
BATCH = 2000
_INDEX_LOCK = 0x59495A49  # "YIZI": one indexer at a time across hub processes
_PERSON_KEYS = ("name", "id_number", "phone", "address", "emergency_contact")


@dataclass(frozen=True)
class ResidentRow:
    station_id: str
    station: str
    key: str
    person: dict[str, Any]
    last_checkin_at: datetime | None
    checked_in: bool
    visited_by: str | None
    visited_at: datetime | None


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def resident_key(keys: HubKeys, resident: dict[str, Any]) -> str | None:
    if resident.get("id"):
        return str(resident["id"])[:64]
    if resident.get("id_number"):
        # A keyed hash: joins a person's records without storing the ID number in the clear.
        mac = hmac.new(keys.dek, f"resident:{resident['id_number']}".encode(), hashlib.sha256)
        return "h:" + mac.hexdigest()[:40]
    return None


def _data_aad(station_id: str, key: str) -> str:
    return f"hub_residents/data/{station_id}/{key}"


def refresh(session: Session, keys: HubKeys, tz: ZoneInfo) -> int:
    """Index requests received since the watermark; returns how many were read."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _INDEX_LOCK})
    state = session.get(ConsoleState, WATERMARK)
    mark = datetime.fromisoformat(state.value) if state else datetime(1970, 1, 1, tzinfo=UTC)
    cursor: tuple[datetime, str] = (mark - OVERLAP, "")
    seen = 0
    while True:
        rows = session.execute(
            select(
                ServiceRequest.id,
                ServiceRequest.station_id,
                ServiceRequest.kind,
                ServiceRequest.payload_enc,
                ServiceRequest.station_created_at,
                ServiceRequest.received_at,
            )
            .where(
                or_(
                    ServiceRequest.received_at > cursor[0],
                    and_(ServiceRequest.received_at == cursor[0], ServiceRequest.id > cursor[1]),
                )
            )
            .order_by(ServiceRequest.received_at, ServiceRequest.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        _index_batch(session, keys, tz, rows)
        seen += len(rows)
        cursor = (_aware(rows[-1].received_at), rows[-1].id)
        mark = max(mark, cursor[0])
    if state is None:
        session.add(ConsoleState(key=WATERMARK, value=mark.isoformat()))
    else:
        state.value = mark.isoformat()
    return seen


def _index_batch(session: Session, keys: HubKeys, tz: ZoneInfo, rows: Sequence[Any]) -> None:
    known_facts = set(
        session.scalars(select(RequestFacts.request_id).where(RequestFacts.request_id.in_([r.id for r in rows])))
    )
    residents: dict[tuple[str, str], HubResident] = {}
    checkins: set[tuple[str, str, date]] = set()
    for row in rows:
        payload = keys.decrypt_json(row.payload_enc, payload_aad(row.id))
        resident = payload.get("resident") if isinstance(payload, dict) else None
        resident = resident if isinstance(resident, dict) else {}
        fields = payload.get("fields") if isinstance(payload, dict) else None
        fields = fields if isinstance(fields, dict) else {}
        key = resident_key(keys, resident)
        if row.id not in known_facts:
            slot = fields.get("slot")
            session.add(
                RequestFacts(
                    request_id=row.id,
                    resident_key=key,
                    category=str(fields["category"])[:64] if fields.get("category") else None,
                    slot_id=str(slot)[:64] if slot and row.kind == "service_request" else None,
                )
            )
        if key is None:
            continue
        at = _aware(row.station_created_at)
        hub_res = residents.get((row.station_id, key)) or session.get(HubResident, (row.station_id, key))
        if hub_res is None:
            hub_res = HubResident(station_id=row.station_id, resident_key=key, seen_at=at - timedelta(days=1))
            session.add(hub_res)
        residents[(row.station_id, key)] = hub_res
        if _aware(hub_res.seen_at) <= at:
            person = {k: resident.get(k) or "" for k in _PERSON_KEYS}
            hub_res.data_enc = keys.encrypt_json(person, _data_aad(row.station_id, key))
            hub_res.living_alone = bool(resident.get("living_alone"))
            hub_res.seen_at = at
        if row.kind == "daily_checkin":
            if hub_res.last_checkin_at is None or _aware(hub_res.last_checkin_at) < at:
                hub_res.last_checkin_at = at
            checkins.add((row.station_id, key, at.astimezone(tz).date()))
    session.flush()
    for station_id, key, day in checkins:
        if session.get(ResidentCheckin, (station_id, key, day)) is None:
            session.add(ResidentCheckin(station_id=station_id, resident_key=key, day=day))
    session.flush()


def living_alone_today(
    session: Session, keys: HubKeys, scope: Sequence[str] | None, day: date
) -> list[ResidentRow]:
    """Living-alone residents of the stations in scope, with whether they checked in on `day`."""
    names = dict(session.execute(select(Station.id, Station.name)).all())
    query = select(HubResident).where(HubResident.living_alone.is_(True))
    if scope is not None:
        query = query.where(HubResident.station_id.in_(list(scope)))
    people = list(session.scalars(query))
    done = set(session.execute(select(ResidentCheckin.station_id, ResidentCheckin.resident_key).where(
        ResidentCheckin.day == day)).all())
    visits = {
        (v.station_id, v.resident_key): v
        for v in session.scalars(select(CheckinVisit).where(CheckinVisit.day == day).order_by(CheckinVisit.id))
    }
    out = []
    for p in people:
        visit = visits.get((p.station_id, p.resident_key))
        out.append(
            ResidentRow(
                station_id=p.station_id,
                station=names.get(p.station_id, p.station_id),
                key=p.resident_key,
                person=keys.decrypt_json(p.data_enc, _data_aad(p.station_id, p.resident_key)),
                last_checkin_at=_aware(p.last_checkin_at) if p.last_checkin_at else None,
                checked_in=(p.station_id, p.resident_key) in done,
                visited_by=visit.visited_by if visit else None,
                visited_at=_aware(visit.visited_at) if visit else None,
            )
        )
    out.sort(key=lambda r: (r.checked_in, r.visited_by is not None, r.station, str(r.person.get("name"))))
    return out


def mark_visited(
    session: Session, keys: HubKeys, station_id: str, key: str, day: date, by: str, note: str | None
) -> CheckinVisit:
    if session.get(HubResident, (station_id, key)) is None:
        from server.services.errors import HubError

        raise HubError(404, "unknown_resident", "no such resident at this station")
    visit = CheckinVisit(station_id=station_id, resident_key=key, day=day, visited_by=by,
                         visited_at=datetime.now(UTC))
    if note:
        visit.note_enc = keys.encrypt_json(note, f"checkin_visits/note/{station_id}/{key}/{day}")
    session.add(visit)
    session.flush()
    return visit


def checkin_rates(session: Session, scope: Sequence[str] | None, days: list[date]) -> dict[str, dict[date, float]]:
    """station name → day → share of its living-alone residents who checked in that day."""
    names = dict(session.execute(select(Station.id, Station.name)).all())
    alone_q = select(HubResident.station_id, func.count()).where(HubResident.living_alone.is_(True))
    if scope is not None:
        alone_q = alone_q.where(HubResident.station_id.in_(list(scope)))
    alone = dict(session.execute(alone_q.group_by(HubResident.station_id)).all())
    counted = session.execute(
        select(ResidentCheckin.station_id, ResidentCheckin.day, func.count())
        .join(
            HubResident,
            and_(
                HubResident.station_id == ResidentCheckin.station_id,
                HubResident.resident_key == ResidentCheckin.resident_key,
            ),
        )
        .where(HubResident.living_alone.is_(True), ResidentCheckin.day.in_(days))
        .group_by(ResidentCheckin.station_id, ResidentCheckin.day)
    ).all()
    by: dict[tuple[str, date], int] = {(s, d): int(n) for s, d, n in counted}
    return {
        names.get(sid, sid): {d: by.get((sid, d), 0) / total for d in days}
        for sid, total in alone.items()
        if total
    }
