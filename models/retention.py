"""Retention: records closed and acknowledged by the hub are crypto-shredded after N days.

Shredding deletes the row, and with it the only copy of the wrapped record key; SQLite's
secure_delete overwrites the freed pages and a WAL checkpoint makes the file itself forget them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, text

from models.schema import OutboxAttachment, OutboxItem, OutboxState, RequestState, ServiceRequest, utcnow

if TYPE_CHECKING:
    from models.station import Actor, Station

CLOSED = (RequestState.DONE, RequestState.REJECTED, RequestState.SENT)


def purgeable_ids(station: Station, days: int, now: dt.datetime | None = None) -> list[str]:
    """Requests closed more than `days` ago whose envelope the hub acknowledged."""
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    acked = select(OutboxItem.request_id).where(OutboxItem.state == OutboxState.SENT)
    query = select(ServiceRequest.id).where(
        ServiceRequest.state.in_(CLOSED),
        ServiceRequest.closed_at.is_not(None),
        ServiceRequest.closed_at < cutoff,
        ServiceRequest.sent_at.is_not(None) | ServiceRequest.id.in_(acked),
    )
    with station.read() as session:
        return list(session.execute(query).scalars())


def purge(
    station: Station,
    actor: Actor,
    *,
    days: int | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    batch: int = 500,
) -> int:
    days = int(station.setting("retention_days")) if days is None else days
    ids = purgeable_ids(station, days, now)
    if dry_run or not ids:
        return len(ids)
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with station.write() as session:
            session.execute(delete(OutboxItem).where(OutboxItem.request_id.in_(chunk)))
            session.execute(delete(OutboxAttachment).where(OutboxAttachment.request_id.in_(chunk)))
            session.execute(delete(ServiceRequest).where(ServiceRequest.id.in_(chunk)))
            station.audit.append(
                session, actor.label, "purge", "requests", count=len(chunk), retention_days=days
            )
    with station.engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    return len(ids)
