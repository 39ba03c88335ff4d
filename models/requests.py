"""Service requests: drafts, submission with offline receipt codes, the local state machine, the
hub's statuses and replies, help calls, daily check-ins and ratings.

Each request's fields are one JSON document encrypted under its own record key; the record key is
wrapped by the station data key. Destroying the wrapped key (retention) makes the record unreadable.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Table, and_, bindparam, exists, func, insert, select, update
from sqlalchemy.orm import Session

from models.crypto import associated_data, new_key
from models.schema import Counter, RequestState, Resident, ServiceRequest, Setting, new_id, utcnow

if TYPE_CHECKING:
    from models.station import Actor, Station

S = RequestState
TABLE = "requests"
RECORD_KEY_ID = 0  # key id written into values sealed with a record key rather than a data key

# Allowed local transitions. Hub statuses may follow one another in any order the hub decides.
_HUB = {S.RECEIVED, S.IN_PROGRESS, S.DONE, S.REJECTED}
TRANSITIONS: dict[RequestState, set[RequestState]] = {
    S.DRAFT: {S.QUEUED},
    S.QUEUED: {S.SENDING, S.SENT, S.QUARANTINED},
    S.SENDING: {S.QUEUED, S.SENT, S.QUARANTINED},
    S.QUARANTINED: {S.QUEUED},
    S.SENT: set(_HUB),
    S.RECEIVED: set(_HUB),
    S.IN_PROGRESS: set(_HUB),
    S.DONE: set(_HUB),
    S.REJECTED: set(_HUB),
}
# Services that are complete once the hub has them (nothing further to answer).
CLOSED_ON_ACK = frozenset({"daily_checkin", "rating"})

# What a resident sees in 我的办件 — a word key the UI translates (never colour alone).
STATUS_KEYS: dict[str, str] = {
    S.DRAFT: "saved_locally",
    S.QUEUED: "saved_locally",
    S.SENDING: "saved_locally",
    S.QUARANTINED: "saved_locally",
    S.SENT: "uploaded",
    S.RECEIVED: "received",
    S.IN_PROGRESS: "in_progress",
    S.DONE: "done",
    S.REJECTED: "rejected",
}


class InvalidTransition(Exception):
    pass


@dataclass(frozen=True)
class RequestRecord:
    id: str
    service: str
    state: str
    receipt_code: str | None
    resident_id: str | None
    fields: dict[str, Any]
    reply: str
    urgent: bool
    created_at: dt.datetime
    quarantine_reason: str | None
    acknowledged_at: dt.datetime | None

    @property
    def status_key(self) -> str:
        return STATUS_KEYS[self.state]


def transition(row: ServiceRequest, new_state: RequestState) -> None:
    current = RequestState(row.state)
    if new_state != current and new_state not in TRANSITIONS[current]:
        raise InvalidTransition(f"{row.id}: {current} → {new_state} is not allowed")
    row.state = new_state
    row.updated_at = utcnow()
    if new_state in (S.DONE, S.REJECTED) or (new_state == S.SENT and row.service in CLOSED_ON_ACK):
        row.closed_at = row.closed_at or utcnow()


# What list() selects, in this order: it unpacks the rows by position.
_LISTED = (
    ServiceRequest.id,
    ServiceRequest.service,
    ServiceRequest.state,
    ServiceRequest.receipt_code,
    ServiceRequest.resident_id,
    ServiceRequest.urgent,
    ServiceRequest.created_at,
    ServiceRequest.quarantine_reason,
    ServiceRequest.acknowledged_at,
    ServiceRequest.record_key_ct,
    ServiceRequest.payload_ct,
    ServiceRequest.reply_ct,
)


# What `submit` runs, as Core statements built once: the ORM's unit of work (load, track, insert,
# then update the same row) cost several times the statements themselves.
_requests = cast(Table, ServiceRequest.__table__)
_counters = cast(Table, Counter.__table__)
_settings = cast(Table, Setting.__table__)
_PREFIX = select(_settings.c.value).where(_settings.c.key == "station_prefix")
_DRAFT = select(_requests.c.state, _requests.c.service, _requests.c.created_at).where(
    _requests.c.id == bindparam("draft_id")
)
_BUMP_RECEIPT = (
    update(_counters)
    .where(_counters.c.name == "receipt")
    .values(value=_counters.c.value + 1)
    .returning(_counters.c.value)
)
_FIRST_RECEIPT = insert(_counters).values(name="receipt", value=1)
_INSERT_REQUEST = insert(_requests)
_QUEUE_DRAFT = update(_requests).where(_requests.c.id == bindparam("draft_id"))


class RequestRepo:
    def __init__(self, station: Station) -> None:
        self._s = station

    # -- encryption helpers -------------------------------------------------------
    def _record_key(self, row: ServiceRequest) -> bytes:
        assert row.record_key_ct is not None, "record key was destroyed (purged)"
        return self._s.cipher.decrypt(row.record_key_ct, associated_data(TABLE, "record_key", row.id))

    def _seal_fields(self, row: ServiceRequest, fields: dict[str, Any]) -> None:
        if row.record_key_ct is None:
            key = new_key()
            row.record_key_ct = self._s.cipher.encrypt(key, associated_data(TABLE, "record_key", row.id))
        else:
            key = self._record_key(row)
        body = json.dumps(fields, ensure_ascii=False, default=str).encode("utf-8")
        row.payload_ct = self._s.cipher.encrypt(
            body, associated_data(TABLE, "payload", row.id), key=key, key_id=RECORD_KEY_ID
        )

    def fields_of(self, row: ServiceRequest) -> dict[str, Any]:
        if row.payload_ct is None:
            return {}
        data = self._s.cipher.decrypt(
            row.payload_ct, associated_data(TABLE, "payload", row.id), key=self._record_key(row)
        )
        result: dict[str, Any] = json.loads(data)
        return result

    def reply_of(self, row: ServiceRequest) -> str:
        if row.reply_ct is None:
            return ""
        aad = associated_data(TABLE, "reply", row.id)
        return self._s.cipher.decrypt(row.reply_ct, aad, key=self._record_key(row)).decode("utf-8")

    def set_reply(self, row: ServiceRequest, reply: str) -> None:
        aad = associated_data(TABLE, "reply", row.id)
        row.reply_ct = self._s.cipher.encrypt(
            reply.encode("utf-8"), aad, key=self._record_key(row), key_id=RECORD_KEY_ID
        )

    def decrypt(self, row: ServiceRequest) -> RequestRecord:
        """The readable record. The per-record key is unwrapped once for payload and reply."""
        fields, reply = self._open(row.id, row.record_key_ct, row.payload_ct, row.reply_ct)
        return RequestRecord(
            id=row.id,
            service=row.service,
            state=row.state,
            receipt_code=row.receipt_code,
            resident_id=row.resident_id,
            fields=fields,
            reply=reply,
            urgent=row.urgent,
            created_at=row.created_at,
            quarantine_reason=row.quarantine_reason,
            acknowledged_at=row.acknowledged_at,
        )

    def open_fields(self, row_id: str, key_ct: bytes | None, payload_ct: bytes | None) -> dict[str, Any]:
        """A record's fields from its stored columns (sealing reads plain rows, not ORM objects)."""
        return self._open(row_id, key_ct, payload_ct, None)[0]

    def _open(
        self, row_id: str, key_ct: bytes | None, payload_ct: bytes | None, reply_ct: bytes | None
    ) -> tuple[dict[str, Any], str]:
        """A record's fields and reply, its per-record key unwrapped once for both."""
        if payload_ct is None and reply_ct is None:
            return {}, ""
        assert key_ct is not None, "record key was destroyed (purged)"
        cipher = self._s.cipher
        key = cipher.decrypt(key_ct, associated_data(TABLE, "record_key", row_id))
        fields: dict[str, Any] = {}
        if payload_ct is not None:
            # Decoded first: json.loads on bytes sniffs the encoding on every call.
            body = cipher.decrypt_once(payload_ct, associated_data(TABLE, "payload", row_id), key)
            fields = json.loads(body.decode("utf-8"))
        reply = ""
        if reply_ct is not None:
            reply = cipher.decrypt_once(reply_ct, associated_data(TABLE, "reply", row_id), key).decode(
                "utf-8"
            )
        return fields, reply

    # -- drafts and submission --------------------------------------------------------
    def save_draft(
        self,
        service: str,
        fields: dict[str, Any],
        resident_id: str | None = None,
        draft_id: str | None = None,
    ) -> str:
        """Keep an in-progress form (encrypted like everything else) so a crash loses nothing."""
        with self._s.write() as session:
            row = session.get(ServiceRequest, draft_id) if draft_id else None
            if row is None:
                row = ServiceRequest(id=draft_id or new_id(), service=service, state=S.DRAFT)
                session.add(row)
            if row.state != S.DRAFT:
                raise InvalidTransition(f"{row.id} is no longer a draft")
            row.resident_id = resident_id
            self._seal_fields(row, fields)
            row.updated_at = utcnow()
            return row.id

    def discard_draft(self, draft_id: str) -> None:
        with self._s.write() as session:
            row = session.get(ServiceRequest, draft_id)
            if row is not None and row.state == S.DRAFT:
                session.delete(row)

    def _next_seq(self, conn: Connection) -> int:
        """The next receipt number, bumped in the caller's write transaction (one statement)."""
        bumped = conn.execute(_BUMP_RECEIPT).scalar_one_or_none()
        if bumped is None:
            conn.execute(_FIRST_RECEIPT)
            return 1
        return int(bumped)

    def submit(
        self,
        service: str,
        fields: dict[str, Any],
        actor: Actor,
        *,
        resident_id: str | None = None,
        draft_id: str | None = None,
        urgent: bool = False,
    ) -> RequestRecord:
        """Save for good: a receipt code made offline (station prefix + local sequence), QUEUED for sync.

        The receipt mark (models/seqmark.py) is raised before the commit, and the WAL is checkpointed
        after it, so the save is in station.db itself and its number is never handed out again."""
        record = self._submit(
            service, fields, actor, resident_id=resident_id, draft_id=draft_id, urgent=urgent
        )
        self._s.checkpoint()
        return record

    def _submit(
        self,
        service: str,
        fields: dict[str, Any],
        actor: Actor,
        *,
        resident_id: str | None,
        draft_id: str | None,
        urgent: bool,
    ) -> RequestRecord:
        """A handful of Core statements in one write transaction: a resident waits on this at the
        kiosk, and the ORM's unit of work (load, track, insert, then update the same row) cost
        several times the statements themselves."""
        body = json.dumps(fields, ensure_ascii=False, default=str).encode("utf-8")
        now = utcnow()
        with self._s.write() as session:
            conn = session.connection()  # Core statements compiled once (module level), cached
            stored_prefix = conn.execute(_PREFIX).scalar_one_or_none()
            prefix = str(json.loads(stored_prefix)) if stored_prefix is not None else "A01"
            draft = conn.execute(_DRAFT, {"draft_id": draft_id}).first() if draft_id else None
            if draft is not None and draft.state != S.DRAFT:
                raise InvalidTransition(f"{draft_id}: {draft.state} → {S.QUEUED} is not allowed")
            row_id = draft_id or new_id()
            cipher = self._s.cipher
            key = new_key()
            seq = self._next_seq(conn)
            self._s.seqmark.raise_to(seq)
            values: dict[str, Any] = {
                "resident_id": resident_id,
                "urgent": urgent,
                "record_key_ct": cipher.encrypt(key, associated_data(TABLE, "record_key", row_id)),
                "payload_ct": cipher.encrypt(
                    body, associated_data(TABLE, "payload", row_id), key=key, key_id=RECORD_KEY_ID
                ),
                "station_seq": seq,
                "receipt_code": f"{prefix}-{seq:04d}",
                "state": S.QUEUED,
                "updated_at": now,
                "queued_at": now,
            }
            if draft is None:
                conn.execute(_INSERT_REQUEST, {"id": row_id, "service": service, "created_at": now, **values})
            else:  # the draft becomes the request: same id, its own service and creation time
                conn.execute(_QUEUE_DRAFT, {"draft_id": row_id, **values})
                service, now = draft.service, draft.created_at
            if actor.is_staff:
                # a volunteer acting for a resident is audited; the record itself is the kiosk's trail
                self._s.audit.append(session, actor.label, "submit", f"request:{row_id}", service=service)
        return RequestRecord(
            id=row_id,
            service=service,
            state=S.QUEUED,
            receipt_code=values["receipt_code"],
            resident_id=resident_id,
            fields=json.loads(body),  # as stored: what reading the record back gives
            reply="",
            urgent=urgent,
            created_at=now,
            quarantine_reason=None,
            acknowledged_at=None,
        )

    def help_call(
        self, actor: Actor, resident_id: str | None = None, note: str = "", *, urgent: bool = True
    ) -> RequestRecord:
        """一键呼叫 (urgent) or "请志愿者帮忙" from a step (urgent=False: someone should come over)."""
        return self.submit(
            "help_call", {"note": note} if note else {}, actor, resident_id=resident_id, urgent=urgent
        )

    def checkin(self, resident_id: str, actor: Actor) -> RequestRecord:
        return self.submit("daily_checkin", {"status": "fine"}, actor, resident_id=resident_id)

    def rate(self, request_id: str, score: int, actor: Actor) -> RequestRecord:
        if not 1 <= score <= 5:
            raise ValueError("a rating is 1–5")
        original = self.get(request_id)
        return self.submit(
            "rating",
            {"request_id": request_id, "service": original.service, "score": score},
            actor,
            resident_id=original.resident_id,
        )

    # -- reading ----------------------------------------------------------------------
    def get(self, request_id: str) -> RequestRecord:
        with self._s.read() as session:
            row = session.get(ServiceRequest, request_id)
            if row is None:
                raise KeyError(request_id)
            return self.decrypt(row)

    def for_resident(self, resident_id: str, *, limit: int = 50) -> list[RequestRecord]:
        query = (
            select(ServiceRequest)
            .where(
                ServiceRequest.resident_id == resident_id,
                ServiceRequest.state != S.DRAFT,
                ServiceRequest.service.not_in(("rating", "daily_checkin")),
                ServiceRequest.record_key_ct.is_not(None),
            )
            .order_by(ServiceRequest.created_at.desc())
            .limit(limit)
        )
        with self._s.read() as session:
            return [self.decrypt(r) for r in session.execute(query).scalars()]

    def list(
        self, *, since: dt.datetime | None = None, states: set[str] | None = None, limit: int = 1000
    ) -> list[RequestRecord]:
        # Only the columns a RequestRecord shows, as plain rows: no ORM objects to build and track.
        query = select(*_LISTED).where(
            ServiceRequest.state != S.DRAFT, ServiceRequest.record_key_ct.is_not(None)
        )
        if since is not None:
            query = query.where(ServiceRequest.created_at >= since)
        if states:
            query = query.where(ServiceRequest.state.in_(states))
        query = query.order_by(ServiceRequest.created_at.desc()).limit(limit)
        with self._s.read() as session:
            rows: builtins.list[Any] = list(session.execute(query).all())
        out = []
        # Unpacked by position (in _LISTED's order): a Row's attribute look-up by name costs more
        # than the decryption of a short record.
        for rid, service, state, receipt, resident, urgent, created, quarantine, acked, *sealed in rows:
            fields, reply = self._open(rid, *sealed)
            out.append(
                RequestRecord(
                    id=rid,
                    service=service,
                    state=state,
                    receipt_code=receipt,
                    resident_id=resident,
                    fields=fields,
                    reply=reply,
                    urgent=urgent,
                    created_at=created,
                    quarantine_reason=quarantine,
                    acknowledged_at=acked,
                )
            )
        return out

    def open_help_calls(self) -> builtins.list[RequestRecord]:
        query = (
            select(ServiceRequest)
            .where(
                ServiceRequest.service == "help_call",
                ServiceRequest.acknowledged_at.is_(None),
                ServiceRequest.state != S.DRAFT,
            )
            .order_by(ServiceRequest.created_at)
        )
        with self._s.read() as session:
            return [self.decrypt(r) for r in session.execute(query).scalars()]

    def acknowledge_help(self, request_id: str, actor: Actor) -> dt.datetime | None:
        """已处理: mark the call handled. Returns the moment stamped, or None when it was already
        handled (then there is nothing of this volunteer's to undo)."""
        with self._s.write() as session:
            row = session.get(ServiceRequest, request_id)
            if row is None:
                raise KeyError(request_id)
            stamped = None if row.acknowledged_at is not None else utcnow()
            row.acknowledged_at = row.acknowledged_at or stamped
            self._s.audit.append(session, actor.label, "acknowledge", f"request:{row.id}")
            return stamped

    def undo_acknowledge_help(self, request_id: str, stamped: dt.datetime, actor: Actor) -> bool:
        """撤销 a mistaken 已处理: the call is open again, audited. Only the volunteer's own mark is
        taken back (`stamped`, from acknowledge_help); a call the hub acknowledged since stays handled.
        Returns whether the call is open again."""
        with self._s.write() as session:
            row = session.get(ServiceRequest, request_id)
            if row is None:
                raise KeyError(request_id)
            if row.acknowledged_at != stamped:
                return False
            row.acknowledged_at = None
            self._s.audit.append(session, actor.label, "unacknowledge", f"request:{row.id}")
            return True

    def missing_checkins(
        self, day: dt.date, deadline_hour: int, now: dt.datetime | None = None
    ) -> builtins.list[str]:
        """Ids of living-alone residents with no check-in on `day` (local time). Empty before the
        deadline hour of that day, so volunteers are not alarmed at 7 am."""
        now = now or dt.datetime.now()
        if now.date() == day and now.hour < deadline_hour:
            return []
        start = _local_day_start_utc(day)
        end = start + dt.timedelta(days=1)
        checked = exists().where(
            and_(
                ServiceRequest.resident_id == Resident.id,
                ServiceRequest.service == "daily_checkin",
                ServiceRequest.created_at >= start,
                ServiceRequest.created_at < end,
                ServiceRequest.state != S.DRAFT,
            )
        )
        query = (
            select(Resident.id).where(Resident.living_alone.is_(True), ~checked).order_by(Resident.created_at)
        )
        with self._s.read() as session:
            return list(session.execute(query).scalars())

    def counts_by_state(self) -> dict[str, int]:
        with self._s.read() as session:
            rows = session.execute(
                select(ServiceRequest.state, func.count()).group_by(ServiceRequest.state)
            ).all()
        return {state: int(n) for state, n in rows}

    def count_waiting(self) -> int:
        """Records not yet acknowledged by the hub (what the status strip shows as 待上传)."""
        counts = self.counts_by_state()
        return sum(counts.get(s, 0) for s in (S.QUEUED, S.SENDING, S.QUARANTINED))

    # -- hub feedback (used by sync) -------------------------------------------------------
    def apply_hub_status(
        self, session: Session, request_id: str, status: str, reply: str | None, hub_seq: int
    ) -> bool:
        """Apply one status change pulled from the hub inside the caller's transaction. Older or
        repeated changes (hub_seq not newer) are ignored; returns whether anything changed."""
        row = session.get(ServiceRequest, request_id)
        if row is None or row.record_key_ct is None:
            return False
        if row.hub_seq is not None and hub_seq <= row.hub_seq:
            return False
        target = RequestState(status)
        if row.state in (S.QUEUED, S.SENDING):  # the hub has it even if our ack was lost
            transition(row, S.SENT)
            row.sent_at = row.sent_at or utcnow()
        transition(row, target)
        if reply:
            self.set_reply(row, reply)
        row.hub_seq = hub_seq
        return True


def _local_day_start_utc(day: dt.date) -> dt.datetime:
    local_midnight = dt.datetime.combine(day, dt.time()).astimezone()
    return local_midnight.astimezone(dt.UTC).replace(tzinfo=None)
