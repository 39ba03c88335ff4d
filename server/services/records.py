"""Push ingestion: per-item idempotent storage of sealed envelopes.

The envelope id is the idempotency key (primary key of `envelopes`). An id already stored with
the same station and sha256 is acknowledged again (duplicate_ack); any other reuse of the id is a
per-item conflict. New items are inserted with INSERT … ON CONFLICT DO NOTHING RETURNING, so when
two hub workers race on the same id, PostgreSQL makes the loser wait for the winner's commit and
then report "not inserted"; the loser re-reads the ledger and answers duplicate_ack or conflict.
A bad item (wrong hash, unopenable seal, invalid payload) is reported as invalid and never blocks
the rest of the batch.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Insert, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.core.db import is_postgres
from server.core.keys import HubKeys
from server.db.models import CheckIn, EnvelopeRow, ServiceRequest, StationAuditEvent
from sync.protocol import Envelope, ItemResult, ItemStatus, RecordKind, RecordPayload
from sync.sealing import SealError, open_sealed, record_aad


@dataclass(frozen=True)
class _Opened:
    envelope: Envelope
    payload: dict[str, Any]


def ingest(session: Session, keys: HubKeys, station_id: str, items: Sequence[Envelope]) -> list[ItemResult]:
    results: dict[str, ItemResult] = {}
    first: dict[str, Envelope] = {}
    for env in items:  # the same id twice in one batch: judge the later copy against the first
        first.setdefault(str(env.id), env)
    known = _classify_existing(session, station_id, list(first.values()))
    results.update(known)
    opened: list[_Opened] = []
    for key, env in first.items():
        if key in results:
            continue
        outcome = _open(keys, env)
        if isinstance(outcome, ItemResult):
            results[key] = outcome
        else:
            opened.append(outcome)
    inserted = _insert_ledger(session, station_id, opened)
    fresh = [item for item in opened if str(item.envelope.id) in inserted]
    _store(session, keys, station_id, fresh)
    for item in fresh:
        results[str(item.envelope.id)] = ItemResult(id=item.envelope.id, status=ItemStatus.ACCEPTED)
    lost_race = [o.envelope for o in opened if str(o.envelope.id) not in inserted]
    results.update(_classify_existing(session, station_id, lost_race))
    return [_result_for(env, first[str(env.id)], results[str(env.id)]) for env in items]


def _result_for(env: Envelope, first: Envelope, result: ItemResult) -> ItemResult:
    if env is first:
        return result
    # A later copy of the same id inside one batch: same bytes share the first copy's verdict.
    if env.sha256 != first.sha256 or env.kind != first.kind:
        return _conflict(env)
    if result.hub_has_it:
        return ItemResult(id=env.id, status=ItemStatus.DUPLICATE_ACK)
    return result


def _conflict(env: Envelope) -> ItemResult:
    return ItemResult(id=env.id, status=ItemStatus.CONFLICT, reason="id already used by a different record")


def _classify_existing(session: Session, station_id: str, envs: Sequence[Envelope]) -> dict[str, ItemResult]:
    if not envs:
        return {}
    rows = session.execute(
        select(EnvelopeRow.id, EnvelopeRow.station_id, EnvelopeRow.content_sha256, EnvelopeRow.kind).where(
            EnvelopeRow.id.in_([str(e.id) for e in envs])
        )
    ).all()
    stored = {row[0]: row for row in rows}
    out: dict[str, ItemResult] = {}
    for env in envs:
        row = stored.get(str(env.id))
        if row is None:
            continue
        same = row[1] == station_id and row[2] == env.sha256 and row[3] == env.kind.value
        out[str(env.id)] = ItemResult(id=env.id, status=ItemStatus.DUPLICATE_ACK) if same else _conflict(env)
    return out


def _invalid(env: Envelope, reason: str) -> ItemResult:
    return ItemResult(id=env.id, status=ItemStatus.INVALID, reason=reason)


def _open(keys: HubKeys, env: Envelope) -> _Opened | ItemResult:
    try:
        blob = base64.b64decode(env.sealed_payload, validate=True)
    except (binascii.Error, ValueError):
        return _invalid(env, "sealed_payload is not base64")
    if hashlib.sha256(blob).hexdigest() != env.sha256:
        return _invalid(env, "sha256 does not match sealed_payload")
    try:
        plain = open_sealed(blob, keys.private_key, record_aad(env.id, env.kind.value))
        payload = json.loads(plain)
    except SealError:
        return _invalid(env, "sealed_payload does not open with this hub's key (sealed to another hub?)")
    except (ValueError, UnicodeDecodeError):
        return _invalid(env, "sealed payload is not a JSON document")
    if not isinstance(payload, dict):
        return _invalid(env, "sealed payload is not a JSON object")
    if env.kind is not RecordKind.AUDIT_EVENT:
        try:
            RecordPayload.model_validate(payload)
        except ValidationError as exc:
            first_error = exc.errors()[0]
            where = ".".join(str(p) for p in first_error["loc"])
            return _invalid(env, f"payload field {where}: {first_error['msg']}")
    return _Opened(envelope=env, payload=payload)


def _insert_ledger(session: Session, station_id: str, opened: Sequence[_Opened]) -> set[str]:
    if not opened:
        return set()
    now = datetime.now(UTC)
    rows = [
        {
            "id": str(o.envelope.id),
            "station_id": station_id,
            "kind": o.envelope.kind.value,
            "station_seq": o.envelope.station_seq,
            "content_sha256": o.envelope.sha256,
            "station_created_at": o.envelope.created_at,
            "received_at": now,
        }
        for o in opened
    ]
    insert: Any = postgresql.insert if is_postgres(session) else sqlite.insert
    stmt: Insert = insert(EnvelopeRow).values(rows).on_conflict_do_nothing(index_elements=["id"])
    return {row[0] for row in session.execute(stmt.returning(EnvelopeRow.id)).all()}


def _store(session: Session, keys: HubKeys, station_id: str, items: Sequence[_Opened]) -> None:
    """Insert the new rows with one multi-row INSERT per table (the ORM unit of work is per row)."""
    now = datetime.now(UTC)
    audits, requests, checkins = [], [], []
    for item in items:
        env, rid = item.envelope, str(item.envelope.id)
        if env.kind is RecordKind.AUDIT_EVENT:
            enc = keys.encrypt_json(item.payload, f"station_audit_events/payload/{rid}")
            audits.append({"id": rid, "station_id": station_id, "payload_enc": enc, "received_at": now})
            continue
        payload = RecordPayload.model_validate(item.payload)
        requests.append(
            {
                "id": rid,
                "station_id": station_id,
                "kind": env.kind.value,
                "service": payload.service,
                "receipt_code": payload.receipt_code,
                "status": "new",
                "payload_enc": keys.encrypt_json(item.payload, payload_aad(rid)),
                "station_created_at": payload.created_at,
                "received_at": now,
                "updated_at": now,
            }
        )
        if env.kind is RecordKind.DAILY_CHECKIN:
            at = payload.created_at
            checkins.append(
                {"request_id": rid, "station_id": station_id, "day": at.date(), "checked_in_at": at}
            )
    # Parents before children: the check-in rows reference the request rows.
    for model, rows in ((StationAuditEvent, audits), (ServiceRequest, requests), (CheckIn, checkins)):
        if rows:
            session.execute(insert(model), rows)


def payload_aad(request_id: str) -> str:
    return f"requests/payload/{request_id}"
