"""Appointment slots: capacity per service option and day, bookings, and overbooking resolution.

Stations book offline against the slots they last pulled, so two stations (or one station
that has not synced) can fill the same slot beyond its capacity. Bookings arrive as appointment
requests whose fields name the slot; the resident index records that slot in `request_facts`.
Here staff see every slot's bookings in arrival order (station time) and settle the excess:
confirm, move to another slot, or refuse with a reason. Each decision is a status change with a
reply the resident hears in 我的办件, and the slot's new booked count flows to every station.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.core.keys import HubKeys
from server.db.console_models import RequestFacts
from server.db.models import AppointmentSlot, ServiceRequest, Station
from server.services import feed
from server.services.console_requests import act
from server.services.errors import HubError
from sync.protocol import ChangeKind

SERVICE = "appointment"
MAX_BOOKINGS_SHOWN = 100  # per overbooked slot on the page


@dataclass(frozen=True)
class Booking:
    request_id: str
    receipt_code: str
    station: str
    status: str
    booked_at: datetime
    slot_state: str | None
    within_capacity: bool


@dataclass
class SlotView:
    id: int
    station: str | None
    option: str | None
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    bookings: list[Booking]

    @property
    def overbooked(self) -> bool:
        return self.booked > self.capacity


def _live_bookings(
    session: Session, slot_ids: Sequence[str]
) -> dict[str, list[tuple[RequestFacts, ServiceRequest]]]:
    rows = session.execute(
        select(RequestFacts, ServiceRequest)
        .join(ServiceRequest, ServiceRequest.id == RequestFacts.request_id)
        .where(RequestFacts.slot_id.in_(list(slot_ids)), ServiceRequest.status != "rejected")
        # Who booked first is the hub's receipt order, not a station's (settable) clock (issue 10 §3).
        .order_by(ServiceRequest.received_at, ServiceRequest.station_created_at, ServiceRequest.id)
    ).all()
    out: dict[str, list[tuple[RequestFacts, ServiceRequest]]] = {}
    for facts, req in rows:
        if facts.slot_state != "refused":
            out.setdefault(facts.slot_id or "", []).append((facts, req))
    return out


def list_slots(session: Session, since: datetime, *, limit: int = 200) -> list[SlotView]:
    """Upcoming slots with their live booking counts and, for the overbooked ones, the bookings to
    settle. Plain columns only (no ORM objects, no sealed payloads): one query for the slots, one
    for the live bookings of all of them — bounded by the slots' capacities, not by the hub's size."""
    names = dict(session.execute(select(Station.id, Station.name)).all())
    a = AppointmentSlot
    slots = session.execute(
        select(a.id, a.station_id, a.option, a.starts_at, a.ends_at, a.capacity)
        .where(a.ends_at >= since)
        .order_by(a.starts_at, a.id)
        .limit(limit)
    ).all()
    f, r = RequestFacts, ServiceRequest
    live: dict[str, list[Any]] = {}
    for row in session.execute(
        select(f.slot_id, f.slot_state, r.id, r.receipt_code, r.station_id, r.status, r.station_created_at)
        .join(r, r.id == f.request_id)
        .where(
            f.slot_id.in_([str(s.id) for s in slots]),
            r.status != "rejected",
            or_(f.slot_state.is_(None), f.slot_state != "refused"),
        )
        # Who booked first is the hub's receipt order, not a station's (settable) clock (issue 10 §3).
        .order_by(r.received_at, r.station_created_at, r.id)
    ):
        live.setdefault(str(row.slot_id), []).append(row)
    views = []
    for slot in slots:
        entries = live.get(str(slot.id), [])
        views.append(
            SlotView(
                id=slot.id,
                station=names.get(slot.station_id) if slot.station_id else None,
                option=slot.option,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                capacity=slot.capacity,
                booked=len(entries),
                bookings=[
                    Booking(
                        request_id=b.id,
                        receipt_code=b.receipt_code,
                        station=names.get(b.station_id, b.station_id),
                        status=b.status,
                        booked_at=b.station_created_at,
                        slot_state=b.slot_state,
                        within_capacity=i < slot.capacity,
                    )
                    for i, b in enumerate(entries[:MAX_BOOKINGS_SHOWN])
                ]
                if len(entries) > slot.capacity
                else [],
            )
        )
    return views


def publish_state(session: Session, keys: HubKeys, slot: AppointmentSlot) -> None:
    """Send the slot as it stands now (capacity, booked) to its station(s)."""
    booked = len(_live_bookings(session, [str(slot.id)]).get(str(slot.id), []))
    slot.booked = booked
    data = {
        "id": slot.id,
        "service": slot.service,
        "option": slot.option,
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
        "capacity": slot.capacity,
        "booked": booked,
    }
    feed.append_change(
        session, keys, station_id=slot.station_id, kind=ChangeKind.SLOT, ref_id=str(slot.id), data=data
    )


def create_slots(
    session: Session,
    keys: HubKeys,
    *,
    option: str,
    day: date,
    start: time,
    end: time,
    capacity: int,
    stations: Sequence[str] | None,
    tz: ZoneInfo,
) -> list[AppointmentSlot]:
    if not 1 <= capacity <= 500:
        raise HubError(422, "bad_capacity", "capacity must be 1–500")
    starts, ends = datetime.combine(day, start, tz), datetime.combine(day, end, tz)
    if ends <= starts:
        raise HubError(422, "bad_times", "the slot must end after it starts")
    if starts < datetime.now(UTC):
        raise HubError(422, "slot_past", "a slot cannot start in the past")
    made = []
    targets: list[str | None] = list(stations) if stations else [None]
    for station_id in targets:
        slot = AppointmentSlot(
            station_id=station_id,
            service=SERVICE,
            option=option or None,
            starts_at=starts.astimezone(UTC),
            ends_at=ends.astimezone(UTC),
            capacity=capacity,
            booked=0,
        )
        session.add(slot)
        session.flush()
        publish_state(session, keys, slot)
        made.append(slot)
    return made


def set_capacity(session: Session, keys: HubKeys, slot_id: int, capacity: int) -> AppointmentSlot:
    slot = _slot(session, slot_id)
    if not 1 <= capacity <= 500:
        raise HubError(422, "bad_capacity", "capacity must be 1–500")
    slot.capacity = capacity
    publish_state(session, keys, slot)
    return slot


def default_times(now: datetime, tz: ZoneInfo) -> tuple[date, time, time]:
    """The form's suggestion: the next whole hour for two hours, or 09:00–11:00 the next day when
    that would run past office hours (17:00)."""
    local = now.astimezone(tz)
    start = local.hour + 1
    if start + 2 > 17:
        return local.date() + timedelta(days=1), time(9), time(11)
    return local.date(), time(max(start, 8)), time(max(start, 8) + 2)


def _slot(session: Session, slot_id: int | str) -> AppointmentSlot:
    slot = session.get(AppointmentSlot, int(slot_id))
    if slot is None:
        raise HubError(404, "unknown_slot", f"no slot {slot_id}")
    return slot


def _when(slot: AppointmentSlot, tz: ZoneInfo) -> str:
    start, end = slot.starts_at.astimezone(tz), slot.ends_at.astimezone(tz)
    return f"{start:%m月%d日 %H:%M}–{end:%H:%M}"


def resolve(
    session: Session,
    keys: HubKeys,
    request_id: str,
    decision: str,
    *,
    actor: str,
    tz: ZoneInfo,
    target_slot: int | None = None,
    reason: str | None = None,
) -> None:
    """Settle one booking: confirm it, move it to `target_slot`, or refuse it with `reason`."""
    facts = session.get(RequestFacts, request_id)
    if facts is None or not facts.slot_id:
        raise HubError(404, "unknown_booking", "this request is not a slot booking")
    current = _slot(session, facts.slot_id)
    req = session.get(ServiceRequest, request_id)
    assert req is not None
    receive = "receive" if req.status == "new" else "progress" if req.status == "received" else None
    if decision == "confirm":
        facts.slot_state = "confirmed"
        if receive:
            act(session, keys, request_id, receive, f"预约已确认：{_when(current, tz)}，请按时到站。", actor)
    elif decision == "move":
        if target_slot is None:
            raise HubError(422, "target_required", "choose the slot to move the booking to")
        target = _slot(session, target_slot)
        facts.slot_id, facts.slot_state = str(target.id), "moved"
        text = f"您预约的时段已约满，已为您改到 {_when(target, tz)}。如不方便请到站说明。"
        if receive:
            act(session, keys, request_id, receive, text, actor)
        session.flush()
        publish_state(session, keys, target)
    elif decision == "refuse":
        facts.slot_state = "refused"
        act(session, keys, request_id, "reject", reason or "该时段已约满，请重新预约。", actor)
    else:
        raise HubError(422, "bad_decision", "decision must be confirm, move or refuse")
    session.flush()
    publish_state(session, keys, current)
