"""Apply one pulled page from the hub — statuses and replies, notices, slots, catalogue versions,
help-call acknowledgements — together with the new cursor, in one transaction: after a crash either
both are on disk or neither is, so the cursor can never skip a change.

Only hub-owned facts are written; what the resident submitted is never touched by a pull.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sync.protocol import Change, ChangeKind, PullResponse

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from models.station import Station

STATUS_MAP = {"received": "RECEIVED", "in_progress": "IN_PROGRESS", "done": "DONE", "rejected": "REJECTED"}


def _time(value: Any) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def apply_page(station: Station, page: PullResponse, expected_cursor: int) -> int:
    """Apply the page; returns how many changes took effect (repeats are recognised and skipped)."""
    from models.schema import PulledChange, SyncState

    applied = 0
    with station.write() as session:
        state = session.get(SyncState, 1)
        if state is None:
            raise RuntimeError("station is not enrolled")
        if state.pull_cursor != expected_cursor:
            # Another sync (kiosk loop vs. CLI) moved on meanwhile; its transaction already holds these.
            return 0
        for change in page.changes:
            if session.get(PulledChange, change.seq) is not None:
                continue
            _apply_one(station, session, change)
            session.add(PulledChange(seq=change.seq, kind=change.kind.value, ref_id=change.ref_id[:64]))
            applied += 1
        state.pull_cursor = page.next_cursor
    return applied


def _apply_one(station: Station, session: Session, change: Change) -> None:
    from models.schema import AppointmentSlot, CatalogueVersion, Notice, ServiceRequest, utcnow

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
        from models import consultations

        consultations.apply_change(station, session, data)
    elif change.kind is ChangeKind.HELP_ACK:
        row = session.get(ServiceRequest, str(data["record_id"]))
        if row is not None and row.acknowledged_at is None:
            row.acknowledged_at = _time(data.get("acked_at", utcnow().isoformat()))
