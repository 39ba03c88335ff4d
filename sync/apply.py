"""Apply one pulled page from the hub — statuses and replies, notices, slots, consultations, the
living-alone warning list, help-call acknowledgements (and `catalogue` versions, which are stored
but reserved: no hub publishes one) — together with the new cursor, in one transaction: after a crash either
both are on disk or neither is, so the cursor can never skip a change.

Each change applies on its own (a savepoint per change): one that cannot apply is parked with its
reason for a volunteer (sync/parking.py) and the cursor moves on, so one bad change never blocks
the replies, notices and help-call acknowledgements behind it. Only the station's own database
failing (disk full, locked) rolls the whole page back.

Only hub-owned facts are written; what the resident submitted is never touched by a pull.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, update

from models import consultations, hub_warnings
from models.schema import (
    AppointmentSlot,
    CatalogueVersion,
    Notice,
    ParkedChange,
    PulledChange,
    ServiceRequest,
    SyncState,
    utcnow,
)
from sync import parking
from sync.protocol import Change, ChangeKind, PullResponse

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from models.station import Station

STATUS_MAP = {"received": "RECEIVED", "in_progress": "IN_PROGRESS", "done": "DONE", "rejected": "REJECTED"}


def _time(value: Any) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


@dataclass
class PageResult:
    applied: int = 0  # changes that took effect (repeats are recognised and skipped)
    parked: int = 0  # changes kept for a volunteer because they could not apply


def apply_page(station: Station, page: PullResponse, expected_cursor: int) -> PageResult:
    """Apply the page and store its cursor in one transaction; each change in its own savepoint."""
    result = PageResult()
    with station.write() as session:
        state = session.get(SyncState, 1)
        if state is None:
            raise RuntimeError("station is not enrolled")
        if state.pull_cursor != expected_cursor:
            # Another sync (kiosk loop vs. CLI) moved on meanwhile; its transaction already holds these.
            return result
        for change in page.changes:
            if session.get(PulledChange, change.seq) is not None:
                continue
            try:
                with session.begin_nested():
                    _apply_one(station, session, change)
            except Exception as exc:  # any failure of one change parks that change
                if parking.is_storage_failure(exc):
                    raise
                parking.park(station, session, change, parking.describe(exc))
                result.parked += 1
            else:
                parking.resolve_superseded(session, change)
                result.applied += 1
            # Recorded either way: a parked change lives in parked_changes, never applied twice.
            session.add(PulledChange(seq=change.seq, kind=change.kind.value, ref_id=change.ref_id[:64]))
        state.pull_cursor = page.next_cursor
    return result


def reset_feed(session: Session) -> None:
    """The hub's feed restarted below our cursor (409 cursor_ahead: a hub restored from a backup).
    Pull again from 0: forget which seqs were applied and each record's last hub seq, since the
    restored hub numbers its changes anew. Re-applying is harmless — statuses, notices and slots are
    overwritten with the hub's word, help-call acks are set once. Parked changes of the old
    numbering are closed; any that the restored hub sends again and still cannot apply park again."""
    state = session.get(SyncState, 1)
    if state is not None:
        state.pull_cursor = 0
    session.execute(delete(PulledChange))
    session.execute(update(ServiceRequest).where(ServiceRequest.hub_seq.is_not(None)).values(hub_seq=None))
    session.execute(
        update(ParkedChange)
        .where(ParkedChange.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolution="the hub's feed restarted (restored from a backup)")
    )


def retry_parked(station: Station) -> int:
    """Once a pass: a record may now allow what it refused before (e.g. re-sent after quarantine)."""
    with station.write() as session:
        return parking.retry_parked(station, session, lambda c: _apply_one(station, session, c))


def _apply_one(station: Station, session: Session, change: Change) -> None:
    data = change.data
    if change.kind is ChangeKind.STATUS:
        target = STATUS_MAP.get(str(data.get("status")))
        if target is not None:
            station.requests.apply_hub_status(
                session, str(data["record_id"]), target, data.get("reply"), change.seq
            )
    elif change.kind is ChangeKind.NOTICE:
        session.merge(
            Notice(
                id=str(data["id"]),
                title=str(data["title"]),
                body=str(data["body"]),
                published_at=_time(data.get("published_at", change.created_at)),
            )
        )
    elif change.kind is ChangeKind.SLOT:
        slot = session.get(AppointmentSlot, str(data["id"])) or AppointmentSlot(
            id=str(data["id"]), local_booked=0
        )
        slot.service = str(data["service"])
        slot.option = data.get("option")
        slot.starts_at, slot.ends_at = _time(data["starts_at"]), _time(data["ends_at"])
        slot.capacity, slot.booked = int(data.get("capacity", 1)), int(data.get("booked", 0))
        session.add(slot)
    elif change.kind is ChangeKind.CATALOGUE:
        session.query(CatalogueVersion).update({CatalogueVersion.active: False})
        session.merge(
            CatalogueVersion(version=str(data["version"]), content=str(data["content"]), active=True)
        )
    elif change.kind is ChangeKind.CONSULTATION:
        consultations.apply_change(station, session, data)
    elif change.kind is ChangeKind.WARNINGS:
        hub_warnings.store(station, session, data)
    elif change.kind is ChangeKind.HELP_ACK:
        row = session.get(ServiceRequest, str(data["record_id"]))
        if row is not None and row.acknowledged_at is None:
            row.acknowledged_at = _time(data.get("acked_at", utcnow().isoformat()))
