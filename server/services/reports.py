"""Read-only views for the CLI and the console: request listings and counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.db.models import ServiceRequest, Station


def list_requests(
    session: Session, *, station: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    query = select(ServiceRequest, Station.name).join(Station, Station.id == ServiceRequest.station_id)
    if station:
        query = query.where((Station.name == station) | (Station.id == station))
    if status:
        query = query.where(ServiceRequest.status == status)
    rows = session.execute(query.order_by(ServiceRequest.received_at, ServiceRequest.id)).all()
    return [
        {
            "id": req.id,
            "station": name,
            "kind": req.kind,
            "service": req.service,
            "status": req.status,
            "receipt_code": req.receipt_code,
            "received_at": req.received_at.isoformat(),
            "updated_at": req.updated_at.isoformat(),
        }
        for req, name in rows
    ]


def stats(session: Session) -> dict[str, Any]:
    """Counts; `duplicates` = rows beyond the first per (station, receipt code): should always be 0."""
    records = int(session.scalar(select(func.count()).select_from(ServiceRequest)) or 0)
    groups = (
        select(func.count().label("n"))
        .select_from(ServiceRequest)
        .group_by(ServiceRequest.station_id, ServiceRequest.receipt_code)
        .having(func.count() > 1)
        .subquery()
    )
    duplicates = int(session.scalar(select(func.coalesce(func.sum(groups.c.n - 1), 0))) or 0)
    by_station = {
        name: int(n)
        for name, n in session.execute(
            select(Station.name, func.count())
            .join(ServiceRequest, ServiceRequest.station_id == Station.id)
            .group_by(Station.name)
        ).all()
    }
    by_status = {
        status: int(n)
        for status, n in session.execute(
            select(ServiceRequest.status, func.count()).group_by(ServiceRequest.status)
        ).all()
    }
    return {"records": records, "duplicates": duplicates, "by_station": by_station, "by_status": by_status}
