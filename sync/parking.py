"""Changes that need a volunteer: pulled hub changes this station could not apply.

A change that cannot apply (a status for a record quarantined here, a malformed notice) must never
hold back the feed, and must never vanish either. It is parked here — the whole change, encrypted
under the station data key, with the reason — and the cursor moves on. A parked change is resolved
by a later change of the same kind for the same record (the hub's newer word wins), by re-applying
it once the record allows it (e.g. after 重新发送 brought the record back to SENT), or by a volunteer
dismissing it. `open_parked` is the Qt-free query the volunteer sync screen shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from models.requests import InvalidTransition
from models.schema import ParkedChange, ServiceRequest, new_id, utcnow
from sync.protocol import Change

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from models.station import Station

TABLE, COLUMN = "parked_changes", "change"
REASON_CHARS = 300


@dataclass(frozen=True)
class ParkedView:
    """One change waiting for a volunteer, as the sync screen lists it (no personal data)."""

    id: str
    seq: int
    kind: str
    ref_id: str
    receipt_code: str | None
    reason: str
    parked_at: dt.datetime


def park(station: Station, session: Session, change: Change, reason: str) -> None:
    """Keep `change` with why it could not apply, inside the caller's (page) transaction."""
    row_id = new_id()
    session.add(
        ParkedChange(
            id=row_id,
            seq=change.seq,
            kind=change.kind.value,
            ref_id=change.ref_id[:64],
            change_ct=station.cipher.encrypt_text(change.model_dump_json(), TABLE, COLUMN, row_id),
            reason=reason[:REASON_CHARS],
        )
    )


def open_keys(session: Session) -> set[tuple[str, str]]:
    """(kind, ref_id) of every open parked change: what a page of newer changes may settle. Nearly
    always empty, so a page asks once instead of once a change."""
    rows = session.execute(
        select(ParkedChange.kind, ParkedChange.ref_id).where(ParkedChange.resolved_at.is_(None))
    ).all()
    return {(kind, ref_id) for kind, ref_id in rows}


def resolve_superseded(session: Session, change: Change) -> int:
    """A newer change of the same kind for the same record applied: older parked ones are settled."""
    result = session.execute(
        update(ParkedChange)
        .where(
            ParkedChange.resolved_at.is_(None),
            ParkedChange.kind == change.kind.value,
            ParkedChange.ref_id == change.ref_id[:64],
            ParkedChange.seq < change.seq,
        )
        .values(resolved_at=utcnow(), resolution=f"superseded by hub change #{change.seq}")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def retry_parked(station: Station, session: Session, apply: Callable[[Change], None]) -> int:
    """Try every open parked change again (oldest first), each in its own savepoint; returns how many
    now applied. One that still fails stays parked with its newest reason."""
    applied = 0
    rows = session.execute(
        select(ParkedChange).where(ParkedChange.resolved_at.is_(None)).order_by(ParkedChange.seq)
    ).scalars()
    for row in list(rows):
        change = Change.model_validate_json(station.cipher.decrypt_text(row.change_ct, TABLE, COLUMN, row.id))
        try:
            with session.begin_nested():
                apply(change)
        except Exception as exc:  # every failure of one change is that change's problem
            if is_storage_failure(exc):
                raise
            row.reason = describe(exc)
            continue
        row.resolved_at, row.resolution = utcnow(), "applied on a later pass"
        applied += 1
    return applied


def dismiss(station: Station, parked_id: str, actor_label: str) -> None:
    """A volunteer has dealt with it by hand: close it, with an audit event."""
    with station.write() as session:
        row = session.get(ParkedChange, parked_id)
        if row is None or row.resolved_at is not None:
            raise ValueError(f"{parked_id} is not an open parked change")
        row.resolved_at, row.resolution = utcnow(), f"dismissed by {actor_label}"
        station.audit.append(session, actor_label, "dismiss_parked", f"parked:{parked_id}", seq=row.seq)


def open_parked(station: Station) -> list[ParkedView]:
    """Changes that need a volunteer, oldest first, with the receipt code of the record they concern."""
    with station.read() as session:
        rows = session.execute(
            select(ParkedChange, ServiceRequest.receipt_code)
            .outerjoin(ServiceRequest, ServiceRequest.id == ParkedChange.ref_id)
            .where(ParkedChange.resolved_at.is_(None))
            .order_by(ParkedChange.seq)
        ).all()
        return [ParkedView(p.id, p.seq, p.kind, p.ref_id, code, p.reason, p.parked_at) for p, code in rows]


def count_open(station: Station) -> int:
    with station.read() as session:
        return int(
            session.execute(
                select(func.count()).select_from(ParkedChange).where(ParkedChange.resolved_at.is_(None))
            ).scalar_one()
        )


def is_storage_failure(exc: BaseException) -> bool:
    """The station's own database failed (disk full, locked, I/O): that is no reason to park a change
    — the whole page rolls back and the pass is retried."""
    return isinstance(exc, (OperationalError, MemoryError))


def describe(exc: BaseException) -> str:
    """A short reason for volunteers. Exception text names record ids and fields, never resident data
    (the change's own data is kept encrypted, not quoted)."""
    if isinstance(exc, KeyError):
        return f"the hub's change lacks the field {exc}"
    if isinstance(exc, InvalidTransition):  # "<record id>: A → B is not allowed"; the card names the record
        return f"the record here is {str(exc).split(': ', 1)[-1]}"
    return (str(exc) or type(exc).__name__)[:REASON_CHARS]
