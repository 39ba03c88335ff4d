"""Stations as the console lists them: enrolment, last contact, and the health of their queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from server.db.models import Attachment, EnvelopeRow, ServiceRequest, Station
from server.services.console_queue import OPEN, WORK_KINDS, Deadlines

STALE_AFTER = timedelta(hours=24)  # a station silent for a day needs a phone call


@dataclass(frozen=True)
class StationRow:
    id: str
    name: str
    enrolled_at: datetime | None
    revoked_at: datetime | None
    last_seen_at: datetime | None
    last_push_at: datetime | None
    open: int
    overdue: int
    oldest_open: datetime | None
    pending_uploads: int

    @property
    def stale(self) -> bool:
        return self.last_seen_at is None or datetime.now(UTC) - self.last_seen_at > STALE_AFTER


def list_stations(session: Session, deadlines: Deadlines, now: datetime | None = None) -> list[StationRow]:
    now = now or datetime.now(UTC)
    late = or_(
        and_(ServiceRequest.kind != "help_call", ServiceRequest.received_at < now - deadlines.overdue_after),
        and_(
            ServiceRequest.kind == "help_call",
            ServiceRequest.received_at < now - deadlines.help_overdue_after,
        ),
    )
    open_rows = {
        sid: (int(n), int(late_n or 0), oldest)
        for sid, n, late_n, oldest in session.execute(
            select(
                ServiceRequest.station_id,
                func.count(),
                func.sum(case((late, 1), else_=0)),
                func.min(ServiceRequest.received_at),
            )
            .where(ServiceRequest.status.in_(OPEN), ServiceRequest.kind.in_(WORK_KINDS))
            .group_by(ServiceRequest.station_id)
        ).all()
    }
    pushes = dict(
        session.execute(
            select(EnvelopeRow.station_id, func.max(EnvelopeRow.received_at)).group_by(EnvelopeRow.station_id)
        ).all()
    )
    uploads = dict(
        session.execute(
            select(Attachment.station_id, func.count())
            .where(Attachment.complete.is_(False))
            .group_by(Attachment.station_id)
        ).all()
    )
    rows = []
    for st in session.scalars(select(Station).order_by(Station.name)):
        n, late_n, oldest = open_rows.get(st.id, (0, 0, None))
        rows.append(
            StationRow(
                id=st.id,
                name=st.name,
                enrolled_at=st.enrolled_at,
                revoked_at=st.revoked_at,
                last_seen_at=st.last_seen_at,
                last_push_at=pushes.get(st.id),
                open=n,
                overdue=late_n,
                oldest_open=oldest,
                pending_uploads=int(uploads.get(st.id, 0)),
            )
        )
    return rows
