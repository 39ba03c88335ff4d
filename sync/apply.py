"""Apply one pulled page from the hub — statuses and replies, notices, slots, consultations, the
living-alone warning list, help-call acknowledgements (and `catalogue` versions, which are stored
but reserved: no hub publishes one) — together with the new cursor, in one transaction: after a crash either
both are on disk or neither is, so the cursor can never skip a change.

Each change applies on its own: one that cannot apply is parked with its reason for a volunteer
(sync/parking.py) and the cursor moves on, so one bad change never blocks the replies, notices and
help-call acknowledgements behind it. A page is first tried whole in one savepoint (a page of 500
statuses costs a few statements, not a few thousand); only if a change in it fails does it go
again a savepoint per change. Only the station's own database failing (disk full, locked) rolls
the whole page back.

Only hub-owned facts are written; what the resident submitted is never touched by a pull.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select, update

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

# SQLite binds at most a few thousand parameters per statement; a page is at most 500 changes.
_IN_CHUNK = 500
STATUS_MAP = {"received": "RECEIVED", "in_progress": "IN_PROGRESS", "done": "DONE", "rejected": "REJECTED"}


def _time(value: Any) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


@dataclass
class PageResult:
    applied: int = 0  # changes that took effect (repeats are recognised and skipped)
    parked: int = 0  # changes kept for a volunteer because they could not apply


def apply_page(station: Station, page: PullResponse, expected_cursor: int) -> PageResult:
    """Apply the page and store its cursor in one transaction.

    The page is tried whole in one savepoint first, with what it needs read up front (which seqs
    were applied before, the records it names, the open parked changes it may settle): a few
    statements a page instead of several a change. Only when a change in it cannot apply does the
    savepoint roll back and the page go again change by change, each in its own savepoint, so the
    one that fails is parked and every other applies — the same outcome either way."""
    result = PageResult()
    with station.write() as session:
        state = session.get(SyncState, 1)
        if state is None:
            raise RuntimeError("station is not enrolled")
        if state.pull_cursor != expected_cursor:
            # Another sync (kiosk loop vs. CLI) moved on meanwhile; its transaction already holds these.
            return result
        seen = _applied_before(session, [c.seq for c in page.changes])
        fresh = [c for c in page.changes if c.seq not in seen]
        records = _load_records(session, fresh)  # held: the identity map keeps only what is referenced
        try:
            with session.begin_nested():
                for change in fresh:
                    _apply_one(station, session, change)
        except Exception as exc:
            if parking.is_storage_failure(exc):
                raise
            result = _apply_one_by_one(station, session, fresh)
        else:
            settles = parking.open_keys(session)
            for change in fresh:
                if (change.kind.value, change.ref_id[:64]) in settles:
                    parking.resolve_superseded(session, change)
            result.applied = len(fresh)
        del records
        if fresh:
            # Recorded either way: a parked change lives in parked_changes, never applied twice.
            session.execute(
                insert(PulledChange),
                [{"seq": c.seq, "kind": c.kind.value, "ref_id": c.ref_id[:64]} for c in fresh],
            )
        state.pull_cursor = page.next_cursor
    return result


def _apply_one_by_one(station: Station, session: Session, changes: list[Change]) -> PageResult:
    """The slow, sure path: each change in its own savepoint; one that fails is parked."""
    result = PageResult()
    for change in changes:
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
    return result


def _applied_before(session: Session, seqs: list[int]) -> set[int]:
    """Which of these seqs an earlier pass already applied (or parked): one query a page."""
    found: set[int] = set()
    for start in range(0, len(seqs), _IN_CHUNK):
        chunk = seqs[start : start + _IN_CHUNK]
        found.update(session.execute(select(PulledChange.seq).where(PulledChange.seq.in_(chunk))).scalars())
    return found


def _load_records(session: Session, changes: list[Change]) -> list[ServiceRequest]:
    """The station's records the page's statuses and help-call acks name, in one query, so applying
    each finds its record in the session instead of asking the database again."""
    ids = sorted(
        {
            str(c.data["record_id"])
            for c in changes
            if c.kind in (ChangeKind.STATUS, ChangeKind.HELP_ACK) and "record_id" in c.data
        }
    )
    rows: list[ServiceRequest] = []
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        rows.extend(session.execute(select(ServiceRequest).where(ServiceRequest.id.in_(chunk))).scalars())
    return rows


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
