"""The console's work queue: filtered, paginated listings of requests, with open help calls apart.

Only plain columns are read (no decryption), through the indexes migration 0002 adds, so a page
costs the same with 100 or 100,000 requests at the hub. Daily check-ins and ratings are not work
items and never appear here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from server.db.models import HelpCallAck, ServiceRequest, Station
from server.services import topics

OPEN = ("new", "received", "in_progress")
CLOSED = ("done", "rejected")
WORK_KINDS = ("service_request", "help_call")
AGES = {"1d": (None, 1), "3d": (None, 3), "7d": (None, 7), "old": (7, None)}
PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    station: str | None = None  # station id
    service: str | None = None
    status: str = "open"  # open | closed | all | one HubStatus value
    age: str | None = None  # key of AGES
    overdue: bool = False
    page: int = 1
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
    page: int
    pages: int
    help_calls: list[QueueRow] = field(default_factory=list)


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


def load_queue(
    session: Session, f: QueueFilter, deadlines: Deadlines, now: datetime | None = None
) -> QueuePage:
    now = now or datetime.now(UTC)
    names = station_names(session)
    where = _conditions(f, deadlines, now)
    total = int(session.scalar(select(func.count()).select_from(ServiceRequest).where(*where)) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, f.page), pages)
    rows = session.execute(
        _columns()
        .where(*where)
        .order_by(
            ServiceRequest.received_at.desc(), ServiceRequest.station_created_at.desc(), ServiceRequest.id
        )
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return QueuePage(
        rows=[_row(r, names, deadlines, now) for r in rows],
        total=total,
        page=page,
        pages=pages,
        help_calls=open_help_calls(session, f.scope, deadlines, now, names),
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
    query = _columns().where(ServiceRequest.kind == "help_call", ServiceRequest.status.in_(OPEN))
    if scope is not None:
        query = query.where(ServiceRequest.station_id.in_(list(scope)))
    rows = session.execute(query.order_by(ServiceRequest.received_at.desc()).limit(50)).all()
    acked = set(
        session.scalars(
            select(HelpCallAck.request_id).where(HelpCallAck.request_id.in_([r.id for r in rows]))
        )
    )
    return [_row(r, names, deadlines, now, r.id in acked) for r in rows]
