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
from models.station import SYSTEM
from sync.protocol import Envelope, ItemResult, ItemStatus, RecordKind
from sync.sealing import record_aad, seal, seal_record

if TYPE_CHECKING:
    from models.station import Station

KIND_BY_SERVICE = {
    "help_call": RecordKind.HELP_CALL,
    "daily_checkin": RecordKind.DAILY_CHECKIN,
    "rating": RecordKind.RATING,
}
AUDIT_NAMESPACE = uuid.UUID("5b0f1e2c-9a5e-4c1b-8f3a-7d2e6c4b9a10")


def _resident_snapshot(station: Station, resident_id: str | None) -> dict[str, Any]:
    """What the hub needs to act on a request; travels sealed, never in the clear."""
    if resident_id is None:
        return {}
    person = station.residents.get(resident_id, SYSTEM)
    return {
        "id": person.id,
        "name": person.name,
        "id_number": person.id_number,
        "phone": person.phone,
        "address": person.address,
        "living_alone": person.living_alone,
        "emergency_contact": person.emergency_contact,
    }


def fill_outbox(station: Station, hub_public_key: bytes, station_id: str, *, batch: int = 500) -> int:
    """Seal every QUEUED request that has no envelope yet, and every audit event not yet enqueued."""
    made = 0
    while True:
        with station.write() as session:
            has_envelope = select(OutboxItem.request_id).where(OutboxItem.request_id.is_not(None))
            rows = list(
                session.execute(
                    select(ServiceRequest)
                    .where(
                        ServiceRequest.state == RequestState.QUEUED, ServiceRequest.id.not_in(has_envelope)
                    )
                    .order_by(ServiceRequest.station_seq)
                    .limit(batch)
                ).scalars()
            )
            sealed: list[dict[str, Any]] = []  # outbox rows, sealed once: every retry sends these bytes
            for row in rows:
                assert row.station_seq is not None and row.receipt_code is not None
                fields = _detach_photos(session, row.id, station.requests.fields_of(row), hub_public_key)
                payload = {
                    "service": row.service,
                    "receipt_code": row.receipt_code,
                    "resident": _resident_snapshot(station, row.resident_id),
                    "fields": fields,
                    "created_at": row.created_at.isoformat() + "Z",
                    "urgent": row.urgent,
                }
                kind = KIND_BY_SERVICE.get(row.service, RecordKind.SERVICE_REQUEST)
                blob, digest = seal_record(
                    record_id=uuid.UUID(row.id), kind=kind, payload=payload, hub_public_key=hub_public_key
                )
                sealed.append(_item_row(row.id, row.id, kind, row.station_seq, row.created_at, blob, digest))
            events = list(
                session.execute(
                    select(AuditEvent)
                    .where(AuditEvent.synced.is_(False))
                    .order_by(AuditEvent.seq)
                    .limit(batch)
                ).scalars()
            )
            for event in events:
                payload = {
                    "seq": event.seq,
                    "at": event.at.isoformat() + "Z",
                    "actor": event.actor,
                    "action": event.action,
                    "target": event.target,
                    "detail": event.detail,
                    "prev_mac": event.prev_mac,
                    "mac": event.mac,
                }
                record_id = uuid.uuid5(AUDIT_NAMESPACE, f"{station_id}:{event.seq}:{event.mac}")
                blob, digest = seal_record(
                    record_id=record_id,
                    kind=RecordKind.AUDIT_EVENT,
                    payload=payload,
                    hub_public_key=hub_public_key,
                )
                sealed.append(
                    _item_row(str(record_id), None, RecordKind.AUDIT_EVENT, event.seq, event.at, blob, digest)
                )
                event.synced = True
            if sealed:  # one multi-row INSERT; the ORM would build, track and flush an object a row
                session.execute(insert(OutboxItem), sealed)
            made += len(rows) + len(events)
        if len(rows) < batch and len(events) < batch:
            return made


# Field values that travel as sealed attachments: inline base64 key → the digest key left in the field.
ATTACHMENT_FIELDS = {"jpeg_base64": "photo_sha256", "ogg_base64": "audio_sha256"}


def _detach_photos(
    session: Any, request_id: str, fields: dict[str, Any], hub_public_key: bytes
) -> dict[str, Any]:
    """Photos and voice notes travel as sealed attachments (chunked, resumable), not inside the
    envelope: each one is sealed once here and the field keeps its SHA-256 (plus any small
    metadata beside the bytes, e.g. a note's length), which the hub's console looks up."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        inline = next((k for k in ATTACHMENT_FIELDS if isinstance(value, dict) and k in value), None)
        if inline is not None:
            blob = base64.b64decode(value[inline])
            sealed = seal(blob, hub_public_key, record_aad(request_id, "attachment"))
            digest = hashlib.sha256(sealed).hexdigest()
            session.merge(OutboxAttachment(sha256=digest, request_id=request_id, sealed=sealed))
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
