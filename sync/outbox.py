"""The station outbox: requests are sealed to the hub's public key once, as immutable envelopes, and
wait here until the hub acknowledges them item by item.

States: QUEUED → SENDING → SENT, or QUARANTINED with the hub's reason (shown to volunteers; it never
blocks the others). A record is marked SENT only on its explicit per-item ack, in the same
transaction as the request's own state. SENDING left behind by a crash is simply sent again: the
hub acknowledges an identical re-push as a duplicate. Each envelope also counts the hub's server
failures on it in a row (`server_failures`), by which the engine finds and quarantines a record the hub
always fails on.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from models.consultations import mark_duplicates
from models.requests import CLOSED_ON_ACK, transition
from models.schema import (
    AuditEvent,
    OutboxAttachment,
    OutboxItem,
    OutboxState,
    RequestState,
    ServiceRequest,
    utcnow,
)
from sync.protocol import Envelope, ItemResult, ItemStatus, RecordKind
from sync.sealing import record_aad, seal, seal_record

if TYPE_CHECKING:
    from models.residents import ResidentRecord
    from models.station import Station

KIND_BY_SERVICE = {
    "help_call": RecordKind.HELP_CALL,
    "daily_checkin": RecordKind.DAILY_CHECKIN,
    "rating": RecordKind.RATING,
}
AUDIT_NAMESPACE = uuid.UUID("5b0f1e2c-9a5e-4c1b-8f3a-7d2e6c4b9a10")


def _resident_snapshot(person: ResidentRecord | None) -> dict[str, Any]:
    """What the hub needs to act on a request; travels sealed, never in the clear."""
    if person is None:
        return {}
    return {
        "id": person.id,
        "name": person.name,
        "id_number": person.id_number,
        "phone": person.phone,
        "address": person.address,
        "living_alone": person.living_alone,
        "emergency_contact": person.emergency_contact,
    }


# What sealing a request reads, as plain rows unpacked by position (no tracked ORM objects).
_TO_SEAL = (
    ServiceRequest.id,
    ServiceRequest.service,
    ServiceRequest.receipt_code,
    ServiceRequest.resident_id,
    ServiceRequest.created_at,
    ServiceRequest.urgent,
    ServiceRequest.station_seq,
    ServiceRequest.record_key_ct,
    ServiceRequest.payload_ct,
)
_EVENT_COLUMNS = (
    AuditEvent.seq,
    AuditEvent.at,
    AuditEvent.actor,
    AuditEvent.action,
    AuditEvent.target,
    AuditEvent.detail,
    AuditEvent.prev_mac,
    AuditEvent.mac,
)


def _without_envelope() -> Any:
    return ServiceRequest.id.not_in(select(OutboxItem.request_id).where(OutboxItem.request_id.is_not(None)))


def fill_outbox(station: Station, hub_public_key: bytes, station_id: str, *, batch: int = 500) -> int:
    """Seal every QUEUED request that has no envelope yet, and every audit event not yet enqueued.

    A slice is read in a read transaction (only the columns sealing needs; each resident decrypted
    once however many of their requests are in it), sealed with no lock held, and written in one
    short write transaction: a resident submitting at the kiosk meanwhile never waits for sealing.
    The write keeps only what is still waiting — another pass (the kiosk's loop beside a
    `yizhan sync`) may have sealed some of it first — so each record is sealed into the outbox
    exactly once and every retry sends those bytes."""
    made = 0
    while True:
        with station.read() as session:
            rows = session.execute(
                select(*_TO_SEAL)
                .where(ServiceRequest.state == RequestState.QUEUED, _without_envelope())
                .order_by(ServiceRequest.station_seq)
                .limit(batch)
            ).all()
            events = session.execute(
                select(*_EVENT_COLUMNS)
                .where(AuditEvent.synced.is_(False))
                .order_by(AuditEvent.seq)
                .limit(batch)
            ).all()
            people = station.residents.snapshots(session, {row[3] for row in rows if row[3] is not None})
        sealed: list[dict[str, Any]] = []  # outbox rows, sealed once: every retry sends these bytes
        attachments: list[dict[str, Any]] = []
        for rid, service, receipt, resident_id, created, urgent, seq, key_ct, payload_ct in rows:
            assert seq is not None and receipt is not None
            fields = _detach_photos(
                attachments, rid, station.requests.open_fields(rid, key_ct, payload_ct), hub_public_key
            )
            payload = {
                "service": service,
                "receipt_code": receipt,
                "resident": _resident_snapshot(people.get(resident_id) if resident_id else None),
                "fields": fields,
                "created_at": created.isoformat() + "Z",
                "urgent": urgent,
            }
            kind = KIND_BY_SERVICE.get(service, RecordKind.SERVICE_REQUEST)
            blob, digest = seal_record(
                record_id=uuid.UUID(rid), kind=kind, payload=payload, hub_public_key=hub_public_key
            )
            sealed.append(_item_row(rid, rid, kind, seq, created, blob, digest))
        for seq, at, actor, action, target, detail, prev_mac, mac in events:
            payload = {
                "seq": seq,
                "at": at.isoformat() + "Z",
                "actor": actor,
                "action": action,
                "target": target,
                "detail": detail,
                "prev_mac": prev_mac,
                "mac": mac,
            }
            record_id = uuid.uuid5(AUDIT_NAMESPACE, f"{station_id}:{seq}:{mac}")
            blob, digest = seal_record(
                record_id=record_id,
                kind=RecordKind.AUDIT_EVENT,
                payload=payload,
                hub_public_key=hub_public_key,
            )
            sealed.append(_item_row(str(record_id), None, RecordKind.AUDIT_EVENT, seq, at, blob, digest))
        made += _store_sealed(station, sealed, attachments, [event[0] for event in events])
        if len(rows) < batch and len(events) < batch:
            return made


def _store_sealed(
    station: Station, sealed: list[dict[str, Any]], attachments: list[dict[str, Any]], event_seqs: list[int]
) -> int:
    """Insert the sealed envelopes (and attachments) of records still waiting for one, and mark
    those audit events enqueued, in one transaction; returns how many envelopes were stored."""
    if not sealed:
        return 0
    request_ids = [item["request_id"] for item in sealed if item["request_id"] is not None]
    with station.write() as session:
        waiting: set[str] = set()
        for chunk in _chunks(request_ids):
            waiting.update(
                session.execute(
                    select(ServiceRequest.id).where(
                        ServiceRequest.id.in_(chunk),
                        ServiceRequest.state == RequestState.QUEUED,
                        _without_envelope(),
                    )
                ).scalars()
            )
        unsynced: set[int] = set()
        for start in range(0, len(event_seqs), 500):
            chunk_seqs = event_seqs[start : start + 500]
            unsynced.update(
                session.execute(
                    select(AuditEvent.seq).where(AuditEvent.seq.in_(chunk_seqs), AuditEvent.synced.is_(False))
                ).scalars()
            )
            session.execute(update(AuditEvent).where(AuditEvent.seq.in_(chunk_seqs)).values(synced=True))
        rows = [
            item
            for item in sealed
            if (
                item["request_id"] in waiting
                if item["request_id"] is not None
                else item["station_seq"] in unsynced
            )
        ]
        if rows:  # one multi-row INSERT; the ORM would build, track and flush an object a row
            session.execute(insert(OutboxItem), rows)
        photos = [a for a in attachments if a["request_id"] in waiting]
        if photos:
            session.execute(sqlite_insert(OutboxAttachment).on_conflict_do_nothing(), photos)
    return len(rows)


# Field values that travel as sealed attachments: inline base64 key → the digest key left in the field.
ATTACHMENT_FIELDS = {"jpeg_base64": "photo_sha256", "ogg_base64": "audio_sha256"}


def _detach_photos(
    attachments: list[dict[str, Any]], request_id: str, fields: dict[str, Any], hub_public_key: bytes
) -> dict[str, Any]:
    """Photos and voice notes travel as sealed attachments (chunked, resumable), not inside the
    envelope: each one is sealed once here (its outbox_attachments row added to `attachments`) and
    the field keeps its SHA-256 (plus any small metadata beside the bytes, e.g. a note's length),
    which the hub's console looks up."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        inline = next((k for k in ATTACHMENT_FIELDS if isinstance(value, dict) and k in value), None)
        if inline is not None:
            blob = base64.b64decode(value[inline])
            sealed = seal(blob, hub_public_key, record_aad(request_id, "attachment"))
            digest = hashlib.sha256(sealed).hexdigest()
            attachments.append(
                {"sha256": digest, "request_id": request_id, "sealed": sealed, "created_at": utcnow()}
            )
            meta = {k: v for k, v in value.items() if k != inline}
            out[key] = {**meta, ATTACHMENT_FIELDS[inline]: digest, "size": len(blob)}
        else:
            out[key] = value
    return out


def pending_attachments(station: Station) -> list[tuple[str, str, bytes]]:
    """(sha256, request id, sealed bytes) of attachments (photos, voice notes) not yet fully at the hub."""
    with station.read() as session:
        rows = session.execute(
            select(OutboxAttachment)
            .where(OutboxAttachment.uploaded_at.is_(None))
            .order_by(OutboxAttachment.created_at)
        ).scalars()
        return [(r.sha256, r.request_id, r.sealed) for r in rows]


def mark_uploaded(station: Station, sha256: str) -> None:
    with station.write() as session:
        row = session.get(OutboxAttachment, sha256)
        if row is not None:
            row.uploaded_at = utcnow()


def _item_row(
    item_id: str,
    request_id: str | None,
    kind: RecordKind,
    station_seq: int,
    created_at: Any,
    blob: bytes,
    digest: str,
) -> dict[str, Any]:
    """One outbox row (QUEUED) holding a record's sealed bytes; `envelope_of` turns it into the envelope."""
    return {
        "id": item_id,
        "request_id": request_id,
        "kind": kind.value,
        "station_seq": station_seq,
        "created_at": created_at.replace(tzinfo=None),
        "sealed_payload": blob,
        "sha256": digest,
        "state": OutboxState.QUEUED,
        "attempts": 0,
        "server_failures": 0,
    }


def envelope_of(item: Any) -> Envelope:
    return Envelope(
        id=uuid.UUID(item.id),
        kind=RecordKind(item.kind),
        station_seq=item.station_seq,
        created_at=item.created_at,
        sealed_payload=base64.b64encode(item.sealed_payload).decode("ascii"),
        sha256=item.sha256,
    )


_ENVELOPE_COLUMNS = (
    OutboxItem.id,
    OutboxItem.kind,
    OutboxItem.station_seq,
    OutboxItem.created_at,
    OutboxItem.sealed_payload,
    OutboxItem.sha256,
)


def pending(station: Station, limit: int = 5000) -> list[Envelope]:
    """Envelopes still to send, oldest first; urgent help calls jump the queue (plain rows: the
    columns an envelope needs, no tracked ORM objects)."""
    with station.read() as session:
        items = list(
            session.execute(
                select(*_ENVELOPE_COLUMNS)
                .where(OutboxItem.state.in_((OutboxState.QUEUED, OutboxState.SENDING)))
                .order_by(
                    (OutboxItem.kind != RecordKind.HELP_CALL.value),
                    OutboxItem.created_at,
                    OutboxItem.station_seq,
                )
                .limit(limit)
            )
        )
    return [envelope_of(i) for i in items]


def count_pending(station: Station) -> int:
    with station.read() as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(OutboxItem)
                .where(OutboxItem.state.in_((OutboxState.QUEUED, OutboxState.SENDING)))
            ).scalar_one()
        )


def mark_sending(station: Station, ids: Sequence[uuid.UUID]) -> None:
    """These envelopes are on their way (one transaction for a whole slice of the queue). SENDING
    is only informational: a resident sees it as QUEUED, a crash leaves it to be sent again, and
    `release_sending` returns what was not acknowledged to QUEUED when the pass ends."""
    keys = [str(i) for i in ids]
    with station.write() as session:
        for chunk in _chunks(keys):
            session.execute(
                update(OutboxItem)
                .where(OutboxItem.id.in_(chunk), OutboxItem.state == OutboxState.QUEUED)
                .values(state=OutboxState.SENDING, attempts=OutboxItem.attempts + 1)
            )
            session.execute(
                update(ServiceRequest)
                .where(ServiceRequest.id.in_(chunk), ServiceRequest.state == RequestState.QUEUED)
                .values(state=RequestState.SENDING)
                .execution_options(synchronize_session=False)
            )


def note_server_failure(station: Station, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The hub failed (5xx) on a batch holding these envelopes: count one more failure in a row for
    each, on disk (a `yizhan sync --once` station starts a new engine every run), and return the
    counts. An answer from the hub on the envelope (`apply_results`) sets its count back to 0."""
    keys = [str(i) for i in ids]
    with station.write() as session:
        session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(keys))
            .values(server_failures=OutboxItem.server_failures + 1)
        )
        rows = session.execute(
            select(OutboxItem.id, OutboxItem.server_failures).where(OutboxItem.id.in_(keys))
        ).all()
    return {uuid.UUID(row_id): count for row_id, count in rows}


def apply_results(station: Station, results: Sequence[ItemResult]) -> tuple[int, int]:
    """Record the hub's per-item answers in one transaction; returns (acknowledged, quarantined).

    Acknowledged items — nearly every answer — are marked with two set-based UPDATEs (the outbox
    rows, then their requests), a few statements per batch however long it is; the ORM's unit of
    work would load, track and flush every row. Refused items take the per-row path (each keeps
    its own reason)."""
    now = utcnow()
    duplicates: list[str] = []  # consultation votes whose voter had already voted elsewhere
    with station.write() as session, session.no_autoflush:
        rows = session.execute(
            select(OutboxItem.id, OutboxItem.state, OutboxItem.request_id).where(
                OutboxItem.id.in_([str(r.id) for r in results])
            )
        ).all()
        items = {row.id: row for row in rows}
        acked: dict[str, str | None] = {}  # outbox id → request id
        refused: dict[str, ItemResult] = {}
        for result in results:
            item = items.get(str(result.id))
            if item is None or item.state == OutboxState.SENT or item.id in acked:
                continue  # unknown, already sent, or answered earlier in this list
            if result.hub_has_it:
                refused.pop(item.id, None)
                acked[item.id] = item.request_id
                if result.status is ItemStatus.DUPLICATE:
                    duplicates.append(item.id)
            else:
                refused.setdefault(item.id, result)
        if acked:
            _mark_sent(session, acked, now)
        for item_id, result in refused.items():
            _quarantine(session, item_id, result)
        mark_duplicates(session, duplicates)
    return len(acked), len(refused)


def _mark_sent(session: Any, acked: dict[str, str | None], now: Any) -> None:
    """SENT for these outbox items, and for their requests still waiting to go (models/requests.py
    `transition`: QUEUED or SENDING → SENT; a daily check-in or rating closes on the ack)."""
    for chunk in _chunks(list(acked)):
        session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(chunk))
            .values(state=OutboxState.SENT, sent_at=now, last_error=None, server_failures=0)
        )
    request_ids = [r for r in acked.values() if r]
    closes = case(
        (ServiceRequest.service.in_(sorted(CLOSED_ON_ACK)), func.coalesce(ServiceRequest.closed_at, now)),
        else_=ServiceRequest.closed_at,
    )
    for chunk in _chunks(request_ids):
        session.execute(
            update(ServiceRequest)
            .where(
                ServiceRequest.id.in_(chunk),
                ServiceRequest.state.in_((RequestState.QUEUED, RequestState.SENDING)),
            )
            .values(state=RequestState.SENT, updated_at=now, sent_at=now, closed_at=closes)
            .execution_options(synchronize_session=False)
        )


def _quarantine(session: Any, item_id: str, result: ItemResult) -> None:
    reason = f"{result.status.value}: {result.reason or 'refused by the hub'}"
    item = session.get(OutboxItem, item_id)
    item.server_failures = 0  # the hub answered on it: the failures in a row are over
    item.state, item.last_error = OutboxState.QUARANTINED, reason
    request = session.get(ServiceRequest, item.request_id) if item.request_id else None
    if request is not None and request.state in (RequestState.QUEUED, RequestState.SENDING):
        transition(request, RequestState.QUARANTINED)
        request.quarantine_reason = reason


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    """SQLite binds at most a few thousand parameters per statement (older builds: 999)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def release_sending(station: Station) -> None:
    """After a failed exchange, SENDING goes back to QUEUED (the next attempt re-sends the same bytes)."""
    with station.write() as session:
        session.execute(
            update(OutboxItem).where(OutboxItem.state == OutboxState.SENDING).values(state=OutboxState.QUEUED)
        )
        session.execute(
            update(ServiceRequest)
            .where(ServiceRequest.state == RequestState.SENDING)
            .values(state=RequestState.QUEUED)
        )


def requeue_quarantined(station: Station, request_id: str, actor_label: str) -> None:
    """A volunteer fixed the cause: send it again (same envelope, same bytes)."""
    with station.write() as session:
        request = session.get(ServiceRequest, request_id)
        if request is None or request.state != RequestState.QUARANTINED:
            raise ValueError(f"{request_id} is not quarantined")
        transition(request, RequestState.QUEUED)
        request.quarantine_reason = None
        session.execute(
            update(OutboxItem).where(OutboxItem.request_id == request_id).values(state=OutboxState.QUEUED)
        )
        station.audit.append(session, actor_label, "requeue", f"request:{request_id}")


def requeue_acknowledged(session: Any) -> int:
    """The hub was restored from a backup and may have lost records it once acknowledged: queue every
    SENT envelope again (its sealed bytes were kept) and mark every photo for upload again. The hub
    answers `duplicate_ack` for what it still has and `accepted` for what it lost, so each record
    ends up there exactly once. Runs inside the caller's transaction; request states are untouched."""
    result = session.execute(
        update(OutboxItem).where(OutboxItem.state == OutboxState.SENT).values(state=OutboxState.QUEUED)
    )
    session.execute(update(OutboxAttachment).values(uploaded_at=None))
    return int(getattr(result, "rowcount", 0) or 0)
