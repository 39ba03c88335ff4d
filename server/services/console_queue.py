"""The console's work queue: filtered listings of requests, 50 at a time, with open help calls apart.

Only plain columns are read (no decryption). Pages are keyset pages: newest first by (hub receipt,
station submission, id), and "more" continues after the last row shown (`Cursor`), so page 40 costs
what page 1 costs, through the work-request index (`ix_requests_work_received`, migration 0009).
The total is never a count(*) over tens of thousands of rows:
- filters on station, service and status only: the exact number, summed from the per-status
  counters the rollups keep at write time (request_rollups.status_counts);
- a topic at any status (the topics page's links): the exact number, from the topic week rows;
- with an age, overdue or other topic filter: counted up to `COUNT_CAP` rows, "1000+" above.
Daily check-ins and ratings are not work items and never appear here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from server.db.models import HelpCallAck, ServiceRequest, Station
from server.db.types import assume_utc
from server.services import console_weeks, request_rollups, topic_queue, topics

OPEN = ("new", "received", "in_progress")
CLOSED = ("done", "rejected")
WORK_KINDS = ("service_request", "help_call")
AGES = {"1d": (None, 1), "3d": (None, 3), "7d": (None, 7), "old": (7, None)}
PAGE_SIZE = 50
COUNT_CAP = 1000  # filtered totals beyond this show as "1000+"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last row's sort key, and how many rows came before (for "51–100")."""

    received_at: datetime
    created_at: datetime
    id: str
    shown: int

    def token(self) -> str:
        return f"{_micros(self.received_at)}.{_micros(self.created_at)}.{self.shown}.{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """The cursor in a "more" link, or None for anything else (a bad link shows the first page)."""
        parts = (token or "").split(".", 3)
        if len(parts) != 4 or not all(p.isdigit() and len(p) < 20 for p in parts[:3]) or len(parts[3]) > 36:
            return None
        return cls(_from_micros(int(parts[0])), _from_micros(int(parts[1])), parts[3], int(parts[2]))


def _micros(at: datetime) -> int:
    return (assume_utc(at) - _EPOCH) // timedelta(microseconds=1)


def _from_micros(n: int) -> datetime:
    return _EPOCH + timedelta(microseconds=min(n, 253_000_000_000_000_000))


@dataclass(frozen=True)
class QueueFilter:
    station: str | None = None  # station id
    service: str | None = None
    status: str = "open"  # open | closed | all | one HubStatus value
    age: str | None = None  # key of AGES
    overdue: bool = False
    after: Cursor | None = None  # keyset: continue after this row
    topic: str | None = None  # a topic of services/topics.py (the topics page links here)
    scope: Sequence[str] | None = None  # station ids the viewer may see; None = every station


@dataclass(frozen=True)
class Deadlines:
    overdue_after: timedelta
    help_overdue_after: timedelta


@dataclass(frozen=True)
class QueueRow:
    id: str
    station: str
    kind: str
    service: str
    receipt_code: str
    status: str
    received_at: datetime  # the hub's receipt time
    created_at: datetime  # the station's submission time (station clock; may be days earlier offline)
    department: str | None
    overdue: bool
    acked: bool = False


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    capped: bool  # total is COUNT_CAP and there are more
    first: int  # 1-based position of the first row shown
    more: Cursor | None  # the next page's cursor, None on the last page
    help_calls: list[QueueRow] = field(default_factory=list)
    stations: dict[str, str] = field(default_factory=dict)  # id → name, every station


def _conditions(f: QueueFilter, deadlines: Deadlines, now: datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [ServiceRequest.kind.in_(WORK_KINDS)]
    if f.scope is not None:
        where.append(ServiceRequest.station_id.in_(list(f.scope)))
    if f.station:
        where.append(ServiceRequest.station_id == f.station)
    if f.service:
        where.append(ServiceRequest.service == f.service)
    if f.topic:
        where.append(ServiceRequest.id.in_(topics.request_ids(f.topic)))
    if f.status == "open" or f.overdue:
        where.append(ServiceRequest.status.in_(OPEN))
    elif f.status == "closed":
        where.append(ServiceRequest.status.in_(CLOSED))
    elif f.status != "all":
        where.append(ServiceRequest.status == f.status)
    if f.age in AGES:
        older, newer = AGES[f.age]
        if newer is not None:
            where.append(ServiceRequest.received_at >= now - timedelta(days=newer))
        if older is not None:
            where.append(ServiceRequest.received_at < now - timedelta(days=older))
    if f.overdue:
        where.append(
            or_(
                and_(
                    ServiceRequest.kind != "help_call",
                    ServiceRequest.received_at < now - deadlines.overdue_after,
                ),
                and_(
                    ServiceRequest.kind == "help_call",
                    ServiceRequest.received_at < now - deadlines.help_overdue_after,
                ),
            )
        )
    return where


def _columns() -> Any:
    return select(
        ServiceRequest.id,
        ServiceRequest.station_id,
        ServiceRequest.kind,
        ServiceRequest.service,
        ServiceRequest.receipt_code,
        ServiceRequest.status,
        ServiceRequest.received_at,
        ServiceRequest.station_created_at,
        ServiceRequest.department,
    )


def station_names(session: Session) -> dict[str, str]:
    return {sid: name for sid, name in session.execute(select(Station.id, Station.name)).all()}


def _row(
    raw: Any, names: dict[str, str], deadlines: Deadlines, now: datetime, acked: bool = False
) -> QueueRow:
    received = raw.received_at
    limit = deadlines.help_overdue_after if raw.kind == "help_call" else deadlines.overdue_after
    return QueueRow(
        id=raw.id,
        station=names.get(raw.station_id, raw.station_id),
        kind=raw.kind,
        service=raw.service,
        receipt_code=raw.receipt_code,
        status=raw.status,
        received_at=received,
        created_at=raw.station_created_at,
        department=raw.department,
        overdue=raw.status in OPEN and now - received > limit,
        acked=acked,
    )


def _order() -> tuple[Any, ...]:
    r = ServiceRequest
    return (r.received_at.desc(), r.station_created_at.desc(), r.id.desc())


def _total(session: Session, f: QueueFilter, where: list[ColumnElement[bool]]) -> tuple[int, bool]:
    """The number of rows the filter selects: exact from the maintained per-status counters when it
    filters on station/service/status only, or from the topic week rows for a topic at any status
    (the topics page's links); else counted up to COUNT_CAP (True: there are more)."""
    stations = [f.station] if f.station else None
    if f.scope is not None:
        stations = [s for s in (stations or f.scope) if s in f.scope]
    if f.topic and f.status == "all" and not (f.age or f.overdue or f.service):
        return console_weeks.topic_requests(session.connection(), f.topic, stations), False
    if not (f.age or f.overdue or f.topic):
        statuses = (
            OPEN
            if f.status == "open"
            else CLOSED
            if f.status == "closed"
            else None
            if f.status == "all"
            else (f.status,)
        )
        n = request_rollups.status_counts(
            session.connection(), stations=stations, service=f.service, statuses=statuses
        )
        return n, False
    capped = select(ServiceRequest.id).where(*where).limit(COUNT_CAP + 1).subquery()
    n = int(session.scalar(select(func.count()).select_from(capped)) or 0)
    return min(n, COUNT_CAP), n > COUNT_CAP


def load_queue(
    session: Session, f: QueueFilter, deadlines: Deadlines, now: datetime | None = None
) -> QueuePage:
    now = now or datetime.now(UTC)
    if f.topic:
        topic_queue.drain(session)  # a request pushed just now already carries its topic
    names = station_names(session)
    where = _conditions(f, deadlines, now)
    total, capped = _total(session, f, where)
    r = ServiceRequest
    query = _columns().where(*where)
    if f.after is not None:
        a = f.after
        query = query.where(
            tuple_(r.received_at, r.station_created_at, r.id)
            < tuple_(
                literal(a.received_at, r.received_at.type),
                literal(a.created_at, r.station_created_at.type),
                literal(a.id, r.id.type),
            )
        )
    if f.overdue:
        # Two index range scans (help calls past their short deadline, the rest past theirs) merged
        # here, instead of one scan that filters days of recent rows away.
        parts = [
            query.where(r.kind == "help_call", r.received_at < now - deadlines.help_overdue_after),
            query.where(r.kind != "help_call", r.received_at < now - deadlines.overdue_after),
        ]
        rows = sorted(
            (row for part in parts for row in session.execute(part.order_by(*_order()).limit(PAGE_SIZE + 1))),
            key=lambda row: (row.received_at, row.station_created_at, row.id),
            reverse=True,
        )[: PAGE_SIZE + 1]
    else:
        rows = list(session.execute(query.order_by(*_order()).limit(PAGE_SIZE + 1)))
    shown = f.after.shown if f.after is not None else 0
    more = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        last = rows[-1]
        more = Cursor(last.received_at, last.station_created_at, last.id, shown + PAGE_SIZE)
    return QueuePage(
        rows=[_row(r, names, deadlines, now) for r in rows],
        total=total,
        capped=capped,
        first=shown + 1,
        more=more,
        help_calls=open_help_calls(session, f.scope, deadlines, now, names),
        stations=names,
    )


def open_help_calls(
    session: Session,
    scope: Sequence[str] | None,
    deadlines: Deadlines,
    now: datetime,
    names: dict[str, str] | None = None,
) -> list[QueueRow]:
    """Help calls nobody has closed yet, newest first: they go above everything else."""
    names = names if names is not None else station_names(session)
    acked = select(HelpCallAck.request_id).where(HelpCallAck.request_id == ServiceRequest.id).exists()
    query = (
        _columns()
        .add_columns(acked.label("acked"))
        .where(ServiceRequest.kind == "help_call", ServiceRequest.status.in_(OPEN))
    )
    if scope is not None:
        query = query.where(ServiceRequest.station_id.in_(list(scope)))
    rows = session.execute(query.order_by(ServiceRequest.received_at.desc()).limit(50)).all()
    return [_row(r, names, deadlines, now, bool(r.acked)) for r in rows]
