"""Push ingestion: per-item idempotent storage of sealed envelopes.

The envelope id is the idempotency key (primary key of `envelopes`). An id already stored with
the same station and sha256 is acknowledged again (duplicate_ack); any other reuse of the id is a
per-item conflict. New items are inserted with INSERT … ON CONFLICT DO NOTHING RETURNING, so when
two hub workers race on the same id, PostgreSQL makes the loser wait for the winner's commit and
then report "not inserted"; the loser re-reads the ledger and answers duplicate_ack or conflict.
A bad item (wrong hash, unopenable seal, a payload that breaks services/payload_rules.py, a
receipt code without this station's own prefix, a slot not offered to it) is reported as invalid,
is never stored, and never blocks the rest of the batch.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, String, Table, any_, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from server.core.keys import HubKeys
from server.db.models import (
    AppointmentSlot,
    CheckIn,
    EnvelopeRow,
    ServiceRequest,
    Station,
    StationAuditEvent,
)
from server.services import bulk, consult, payload_rules, resident_index
from sync.protocol import ConsultVotePayload, Envelope, ItemResult, ItemStatus, RecordKind, RecordPayload
from sync.sealing import SealError, record_aad


@dataclass(frozen=True)
class _Opened:
    envelope: Envelope
    plaintext: bytes  # the sealed JSON as the station wrote it; stored re-encrypted under the DEK
    payload: dict[str, Any]
    record: RecordPayload | None  # validated once here; None for audit events and votes
    vote: ConsultVotePayload | None = None  # consultation votes only


_ledger = cast(Table, EnvelopeRow.__table__)
_requests = cast(Table, ServiceRequest.__table__)
_audits = cast(Table, StationAuditEvent.__table__)
_checkins = cast(Table, CheckIn.__table__)
_slots = cast(Table, AppointmentSlot.__table__)


def _conn(session: Session | Connection) -> Connection:
    return session.connection() if isinstance(session, Session) else session


def ingest(
    session: Session | Connection, keys: HubKeys, station_id: str, items: Sequence[Envelope]
) -> list[ItemResult]:
    conn = _conn(session)
    results: dict[str, ItemResult] = {}
    first: dict[str, Envelope] = {}
    for env in items:  # the same id twice in one batch: judge the later copy against the first
        first.setdefault(str(env.id), env)
    known = _classify_existing(conn, station_id, list(first.values()))
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
    refused = _station_rules(conn, station_id, opened)
    results.update(refused)
    opened = [o for o in opened if str(o.envelope.id) not in refused]
    opened = _screen_votes(conn, station_id, opened, results)
    now = datetime.now(UTC)  # the hub's receipt time of this batch, in every table it reaches
    inserted = _insert_ledger(conn, station_id, opened, now)
    fresh = [item for item in opened if str(item.envelope.id) in inserted]
    _store(conn, keys, station_id, fresh, now)
    repeated = consult.store_votes(
        conn, keys, station_id, [(i.envelope, i.vote) for i in fresh if i.vote is not None]
    )
    resident_index.index_opened(conn, keys, station_id, fresh, now)  # the console's index, same transaction
    for item in fresh:
        status = ItemStatus.DUPLICATE if str(item.envelope.id) in repeated else ItemStatus.ACCEPTED
        results[str(item.envelope.id)] = ItemResult(id=item.envelope.id, status=status)
    lost_race = [o.envelope for o in opened if str(o.envelope.id) not in inserted]
    results.update(_classify_existing(conn, station_id, lost_race))
    return [_result_for(env, first[str(env.id)], results[str(env.id)]) for env in items]


def _screen_votes(
    conn: Connection, station_id: str, opened: list[_Opened], results: dict[str, ItemResult]
) -> list[_Opened]:
    """Votes that cannot count (unknown or closed consultation, bad option) are answered `invalid`
    before they reach the ledger; everything else passes through unchanged."""
    kept = []
    for item in opened:
        refused = consult.screen_vote(conn, station_id, item.envelope, item.vote) if item.vote else None
        if refused is None:
            kept.append(item)
        else:
            results[str(item.envelope.id)] = refused
    return kept


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


def _classify_existing(conn: Connection, station_id: str, envs: Sequence[Envelope]) -> dict[str, ItemResult]:
    if not envs:
        return {}
    ids = [str(e.id) for e in envs]
    columns = (_ledger.c.id, _ledger.c.station_id, _ledger.c.content_sha256, _ledger.c.kind)
    if conn.dialect.name == "postgresql":
        # `= ANY(array)`: one statement text whatever the batch size, so it is prepared once.
        match = _ledger.c.id == any_(bindparam("ids", ids, type_=postgresql.ARRAY(String)))
    else:
        match = _ledger.c.id.in_(ids)
    rows = conn.execute(select(*columns).where(match)).all()
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
        plain = keys.open_sealed(blob, record_aad(env.id, env.kind.value))
    except SealError:
        return _invalid(env, "sealed_payload does not open with this hub's key (sealed to another hub?)")
    try:
        payload_rules.check_envelope_time(env.created_at)
        checked = payload_rules.check(env.kind, plain)
    except payload_rules.PayloadInvalid as exc:
        return _invalid(env, str(exc))
    if env.kind is RecordKind.CONSULT_VOTE:
        vote = consult.parse_vote(checked.payload)
        if isinstance(vote, str):
            return _invalid(env, vote)
        return _Opened(
            envelope=env, plaintext=checked.plaintext, payload=checked.payload, record=None, vote=vote
        )
    return _Opened(envelope=env, plaintext=checked.plaintext, payload=checked.payload, record=checked.record)


def _station_rules(conn: Connection, station_id: str, opened: Sequence[_Opened]) -> dict[str, ItemResult]:
    """Rules that depend on who pushes: a receipt code carries this station's own prefix (the one it
    claimed at enrolment, or the one it gave out codes with before the hub gave it that one; for a
    station from before claims, the one its first accepted record pinned), so it can never switch to
    another's; and a booked slot is one the hub offered to this station."""
    out: dict[str, ItemResult] = {}
    records = [o for o in opened if o.record is not None]
    if not records:
        return out
    first = records[0].record
    assert first is not None
    own = _own_prefixes(conn, station_id) or frozenset({payload_rules.receipt_prefix(first.receipt_code)})
    fresh = False
    offered = _offered_slots(conn, station_id, records)
    for item in records:
        record = item.record
        assert record is not None
        env = item.envelope
        prefix = payload_rules.receipt_prefix(record.receipt_code)
        if prefix not in own and not fresh:  # re-enrolled through another hub process?
            own, fresh = _own_prefixes(conn, station_id, cached=False) or own, True
        if prefix not in own:
            out[str(env.id)] = _invalid(
                env,
                f"receipt code {record.receipt_code} does not carry this station's own prefix "
                f"{' or '.join(sorted(own))}",
            )
            continue
        slot = _slot_of(record)
        if slot is not None and slot not in offered:
            out[str(env.id)] = _invalid(env, f"slot {slot} was not offered to this station")
    return out


# station id → the receipt prefixes its records may carry, once known (a claim, or a stored record)
_PINNED: dict[str, frozenset[str]] = {}
_PINNED_MAX = 50_000


def _own_prefixes(conn: Connection, station_id: str, *, cached: bool = True) -> frozenset[str] | None:
    """The prefixes the station claimed at enrolment (services/stations.py: its prefix and any it gave
    out codes with before), else that of its stored records, or None before its first one.
    Remembered per process once seen; a station re-enrolled elsewhere is read again on a mismatch."""
    prefixes = _PINNED.get(station_id) if cached else None
    if prefixes is not None:
        return prefixes
    claim, before = conn.execute(
        select(Station.receipt_prefix, Station.receipt_prefix_before).where(Station.id == station_id)
    ).one()
    if claim is not None:
        prefixes = frozenset(p for p in (claim, before) if p is not None)
    else:
        pinned = conn.execute(
            select(_requests.c.receipt_code).where(_requests.c.station_id == station_id).limit(1)
        ).scalar()
        if not pinned:
            return None
        prefixes = frozenset({payload_rules.receipt_prefix(pinned)})
    if len(_PINNED) >= _PINNED_MAX:
        _PINNED.clear()
    _PINNED[station_id] = prefixes
    return prefixes


def _slot_of(record: RecordPayload) -> str | None:
    """The hub slot a booking names (`fields.slot.slot_id`); kiosk default slots are not hub slots."""
    value = record.fields.get("slot")
    slot_id = value.get("slot_id") if isinstance(value, dict) else value
    if slot_id is None or slot_id == "":
        return None
    text_id = str(slot_id)
    return None if text_id.startswith("default-") else text_id


def _offered_slots(conn: Connection, station_id: str, records: Sequence[_Opened]) -> set[str]:
    wanted = {s for o in records if o.record is not None and (s := _slot_of(o.record)) is not None}
    ids = [int(s) for s in wanted if s.isdigit() and len(s) < 18]
    if not ids:
        return set()
    rows = conn.execute(
        select(_slots.c.id).where(
            _slots.c.id.in_(ids), (_slots.c.station_id.is_(None)) | (_slots.c.station_id == station_id)
        )
    ).scalars()
    return {str(r) for r in rows}


def _insert_ledger(conn: Connection, station_id: str, opened: Sequence[_Opened], now: datetime) -> set[str]:
    if not opened:
        return set()
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
    return {row[0] for row in bulk.insert_rows(conn, _ledger, rows, conflict=["id"], returning="id")}


def _store(conn: Connection, keys: HubKeys, station_id: str, items: Sequence[_Opened], now: datetime) -> None:
    """Insert the new rows with one multi-row INSERT per table (the ORM unit of work is per row)."""
    audits, requests, checkins = [], [], []
    for item in items:
        env, rid = item.envelope, str(item.envelope.id)
        if item.vote is not None:
            continue  # stored apart by consult.store_votes: a ballot keeps no link to its envelope
        # The sealed plaintext is already the JSON document: re-encrypt those bytes under the DEK
        # rather than parse-and-dump them again (decrypt_json reads back the same object).
        if env.kind is RecordKind.AUDIT_EVENT or item.record is None:
            enc = keys.encrypt(item.plaintext, f"station_audit_events/payload/{rid}")
            audits.append({"id": rid, "station_id": station_id, "payload_enc": enc, "received_at": now})
            continue
        payload = item.record
        requests.append(
            {
                "id": rid,
                "station_id": station_id,
                "kind": env.kind.value,
                "service": payload.service,
                "receipt_code": payload.receipt_code,
                "status": "new",
                "payload_enc": keys.encrypt(item.plaintext, payload_aad(rid)),
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
    for table, rows in ((_audits, audits), (_requests, requests), (_checkins, checkins)):
        if rows:
            bulk.insert_rows(conn, table, rows)


def payload_aad(request_id: str) -> str:
    return f"requests/payload/{request_id}"
