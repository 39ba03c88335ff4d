"""The change feed stations pull, and the hub-side actions that write to it.

Why a cursor can never skip: every writer calls `append_change`, which first takes the feed lock
(PostgreSQL transaction-scoped advisory lock; SQLite's single writer) and only then reads
max(seq)+1. The lock is held until the writer commits, so seq N+1 cannot be allocated before the
transaction holding seq N has committed or rolled back. Hence seq order is commit order: any
snapshot that sees seq N also sees every seq below N that will ever exist, and a station that
stores next_cursor = N will never later find an unseen change with seq < N. (A plain SEQUENCE
would not do this: values are handed out at insert time but become visible at commit time.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, func, or_, select
from sqlalchemy.orm import Session

from server.core.db import lock_change_feed
from server.core.keys import HubKeys
from server.db.models import (
    ChangeRow,
    HelpCallAck,
    Notice,
    RequestHistory,
    ServiceRequest,
)
from server.services import request_rollups
from server.services.errors import HubError
from server.services.stations import find_station
from sync.protocol import PROTOCOL_VERSION, Change, ChangeKind, HubStatus, PullResponse


def append_change(
    session: Session,
    keys: HubKeys,
    *,
    station_id: str | None,
    kind: ChangeKind,
    ref_id: str,
    data: dict[str, Any],
) -> int:
    lock_change_feed(session)
    seq = int(session.scalar(select(func.coalesce(func.max(ChangeRow.seq), 0))) or 0) + 1
    session.add(
        ChangeRow(
            seq=seq,
            station_id=station_id,
            kind=kind.value,
            ref_id=ref_id,
            data_enc=keys.encrypt_json(data, _change_aad(seq)),
            created_at=datetime.now(UTC),
        )
    )
    session.flush()
    return seq


def current_seq(session: Session | Connection) -> int:
    return int(session.scalar(select(func.coalesce(func.max(ChangeRow.seq), 0))) or 0)


_changes = cast(Table, ChangeRow.__table__)


class BroadcastCache:
    """Decrypted `data` of broadcast changes (notices, slots, catalogue for every station), by seq.

    Feed rows are immutable once committed (seq is never reused within one database), so a worker
    can keep what it decrypted — one cache per app (HubState), i.e. per database and key file:
    every station pulls the same broadcast rows. Only broadcast rows are kept — they
    carry no resident data; a station's own changes are decrypted per pull and then dropped.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self._data: dict[int, dict[str, Any]] = {}
        self._max = max_entries
        # The highest seq this worker has seen committed. Changes are never deleted while a hub
        # runs (a restore from backup happens with every hub process stopped), so a cursor at or
        # below it is inside the feed without asking the database for max(seq) again.
        self.known_head = 0

    def saw_head(self, seq: int) -> None:
        if seq > self.known_head:
            self.known_head = seq

    def get(self, seq: int) -> dict[str, Any] | None:
        return self._data.get(seq)

    def put(self, seq: int, data: dict[str, Any]) -> None:
        if len(self._data) >= self._max:
            self._data.clear()
        self._data[seq] = data


def pull(
    session: Session | Connection,
    keys: HubKeys,
    station_id: str,
    cursor: int,
    limit: int,
    broadcast_cache: BroadcastCache | None = None,
) -> PullResponse:
    """Changes for this station (its own and broadcast ones) with seq > cursor, in seq order."""
    conn = session.connection() if isinstance(session, Session) else session
    c = _changes.c
    rows = conn.execute(
        select(c.seq, c.station_id, c.kind, c.ref_id, c.created_at, c.data_enc)
        .where(c.seq > cursor, or_(c.station_id == station_id, c.station_id.is_(None)))
        .order_by(c.seq)
        .limit(limit + 1)
    ).all()
    # A non-empty page proves the cursor is inside the feed; only an empty one needs max(seq), and
    # not even then when this worker has already seen the feed reach the cursor.
    if rows and broadcast_cache is not None:
        broadcast_cache.saw_head(rows[-1].seq)
    elif not rows and cursor > 0 and (broadcast_cache is None or cursor > broadcast_cache.known_head):
        head = current_seq(conn)
        if cursor > head:
            # A cursor from another hub or a restored backup: say so rather than wait forever.
            raise HubError(409, "cursor_ahead", "cursor is beyond the hub's feed; reset the cursor to 0")
        if broadcast_cache is not None:
            broadcast_cache.saw_head(head)
    page = rows[:limit]
    changes = [
        # Built from our own rows: construct without re-validating; pydantic-core serialises it.
        Change.model_construct(
            seq=row.seq,
            kind=ChangeKind(row.kind),
            ref_id=row.ref_id,
            created_at=row.created_at,
            data=_change_data(keys, row.seq, row.station_id, row.data_enc, broadcast_cache),
        )
        for row in page
    ]
    next_cursor = page[-1].seq if page else cursor
    return PullResponse.model_construct(
        protocol=PROTOCOL_VERSION, changes=changes, next_cursor=next_cursor, has_more=len(rows) > limit
    )


def _change_data(
    keys: HubKeys, seq: int, station_id: str | None, data_enc: bytes, cache: BroadcastCache | None
) -> dict[str, Any]:
    if station_id is not None or cache is None:
        data: dict[str, Any] = keys.decrypt_json(data_enc, _change_aad(seq))
        return data
    cached = cache.get(seq)
    if cached is None:
        cached = keys.decrypt_json(data_enc, _change_aad(seq))
        cache.put(seq, cached)
    return cached


def update_request_status(
    session: Session, keys: HubKeys, request_id: str, status: HubStatus, reply: str | None, actor: str
) -> ServiceRequest:
    req = session.get(ServiceRequest, request_id, with_for_update=True)
    if req is None:
        raise HubError(404, "unknown_request", f"no request {request_id}")
    return record_status(session, keys, req, status.value, reply, actor, reply=reply)


def record_status(
    session: Session,
    keys: HubKeys,
    req: ServiceRequest,
    status: str,
    note: str | None,
    actor: str,
    *,
    reply: str | None = None,
) -> ServiceRequest:
    """One step in a request's life: the history row (its note sealed to the row's own timestamp),
    the new status, a new reply if given, and the STATUS change its station pulls (with the reply
    now in force)."""
    now = datetime.now(UTC)
    # Statistics (first response, close, closed per day) move in this same transaction. The feed
    # lock first: every writer that touches both takes it before the rollup rows (no deadlock).
    lock_change_feed(session)
    request_rollups.status_changed(session.connection(), req.id, req.status, status, now)
    session.add(
        RequestHistory(
            request_id=req.id,
            at=now,
            actor=actor,
            from_status=req.status,
            to_status=status,
            note_enc=keys.encrypt_json(note, f"request_history/note/{req.id}/{now.isoformat()}")
            if note
            else None,
        )
    )
    req.status = status
    req.updated_at = now
    if reply is not None:
        req.reply_enc = keys.encrypt_json(reply, f"requests/reply/{req.id}")
    current_reply = keys.decrypt_json(req.reply_enc, f"requests/reply/{req.id}") if req.reply_enc else None
    data = {
        "record_id": req.id,
        "receipt_code": req.receipt_code,
        "status": status,
        "reply": current_reply,
        "updated_at": now.isoformat(),
    }
    append_change(session, keys, station_id=req.station_id, kind=ChangeKind.STATUS, ref_id=req.id, data=data)
    return req


def publish_notice(
    session: Session, keys: HubKeys, title: str, body: str, station: str | None = None
) -> Notice:
    station_id = _station_id(session, station)
    notice = Notice(title=title, body=body, station_id=station_id, published_at=datetime.now(UTC))
    session.add(notice)
    session.flush()
    data = {"id": notice.id, "title": title, "body": body, "published_at": notice.published_at.isoformat()}
    append_change(
        session, keys, station_id=station_id, kind=ChangeKind.NOTICE, ref_id=str(notice.id), data=data
    )
    return notice


def ack_help_call(
    session: Session, keys: HubKeys, request_id: str, by: str, message: str | None
) -> HelpCallAck:
    req = session.get(ServiceRequest, request_id)
    if req is None or req.kind != "help_call":
        raise HubError(404, "unknown_help_call", f"no help call {request_id}")
    ack = HelpCallAck(request_id=req.id, acked_by=by, acked_at=datetime.now(UTC), message=message)
    session.add(ack)
    session.flush()
    data = {
        "record_id": req.id,
        "receipt_code": req.receipt_code,
        "acked_at": ack.acked_at.isoformat(),
        "message": message,
    }
    append_change(
        session, keys, station_id=req.station_id, kind=ChangeKind.HELP_ACK, ref_id=req.id, data=data
    )
    return ack


def _station_id(session: Session, station: str | None) -> str | None:
    if station is None:
        return None
    found = find_station(session, station)
    if found is None:
        raise HubError(404, "unknown_station", f"no station {station}")
    return found.id


def _change_aad(seq: int) -> str:
    return f"changes/data/{seq}"
