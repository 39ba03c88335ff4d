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
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import psycopg
from sqlalchemy import Connection, String, Table, any_, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from server.core.db import begin_pipelined
from server.core.keys import HubKeys
from server.db.models import (
    AppointmentSlot,
    CheckIn,
    EnvelopeRow,
    ServiceRequest,
    Station,
    StationAuditEvent,
)
from server.db.types import assume_utc
from server.services import bulk, consult, ledger_intake, payload_rules, resident_index
from server.services.station_auth import NonceClaim
from sync.protocol import ConsultVotePayload, Envelope, ItemResult, ItemStatus, RecordKind, RecordPayload
from sync.sealing import SealError, record_aad


@dataclass(frozen=True)
class _Opened:
    envelope: Envelope
    plaintext: bytes  # the sealed JSON as the station wrote it; stored re-encrypted under the DEK
    payload: dict[str, Any]
    record: RecordPayload | None  # validated once here; None for audit events and votes
    vote: ConsultVotePayload | None = None  # consultation votes only


log = logging.getLogger(__name__)
_ledger = cast(Table, EnvelopeRow.__table__)
_requests = cast(Table, ServiceRequest.__table__)
_audits = cast(Table, StationAuditEvent.__table__)
_checkins = cast(Table, CheckIn.__table__)
_slots = cast(Table, AppointmentSlot.__table__)


def _conn(session: Session | Connection) -> Connection:
    return session.connection() if isinstance(session, Session) else session


def ingest(
    session: Session | Connection,
    keys: HubKeys,
    station_id: str,
    items: Sequence[Envelope],
    claim: NonceClaim | None = None,
) -> list[ItemResult]:
    """Store a push's items; `claim`, when given, is the request's nonce claim, sent with the first
    statements (PostgreSQL: in the same round trip) and checked before anything is stored."""
    conn = _conn(session)
    first: dict[str, Envelope] = {}
    for env in items:  # the same id twice in one batch: judge the later copy against the first
        first.setdefault(str(env.id), env)
    if conn.dialect.name == "postgresql":
        results = _ingest_pipelined(conn, keys, station_id, first, claim)
    else:
        if claim is not None:
            claim.claim(conn)
        results = _classify_existing(conn, station_id, list(first.values()))
        opened: list[_Opened] = []
        for key, env in first.items():
            if key in results:
                continue
            outcome = _open(keys, env)
            if isinstance(outcome, ItemResult):
                results[key] = outcome
            else:
                opened.append(outcome)
        _store_checked(conn, keys, station_id, opened, results, _station_rules(conn, station_id, opened))
    return [_result_for(env, first[str(env.id)], results[str(env.id)]) for env in items]


def _store_checked(
    conn: Connection,
    keys: HubKeys,
    station_id: str,
    opened: list[_Opened],
    results: dict[str, ItemResult],
    refused: dict[str, ItemResult],
) -> None:
    """Store the opened items that passed the station rules (`refused` holds those that did not),
    one statement after another; every item's answer goes into `results`."""
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


# --- PostgreSQL: the same steps in two round trips --------------------------------------------

_CLASSIFY_SQL = "SELECT id, station_id, content_sha256, kind FROM envelopes WHERE id = ANY(%(ids)s)"
_PREFIX_SQL = (
    "SELECT s.receipt_prefix, s.receipt_prefix_before,"
    " (SELECT r.receipt_code FROM requests r WHERE r.station_id = s.id LIMIT 1)"
    " FROM stations s WHERE s.id = %(station)s"
)
_SLOTS_SQL = (
    "SELECT id FROM appointment_slots WHERE id = ANY(%(ids)s)"
    " AND (station_id IS NULL OR station_id = %(station)s)"
)


def _ingest_pipelined(
    conn: Connection,
    keys: HubKeys,
    station_id: str,
    first: dict[str, Envelope],
    claim: NonceClaim | None,
) -> dict[str, ItemResult]:
    """PostgreSQL: the steps of the SQLite path with the round trips folded together.

    Every item is opened first (CPU; an id the ledger already holds is answered from the ledger,
    whatever opening it said). Then one round trip carries BEGIN, the nonce claim, the ledger
    look-up, the station's receipt prefixes (once per process) and the slots the items book; and
    one more every write of a plain push (`_send_store`). Anything unusual (a consultation vote, a
    paper-ledger status, an id another push stored meanwhile, an index that cannot be written)
    rolls back to a savepoint and takes the step-by-step path, whose answers are the reference.
    """
    outcomes = {key: _open(keys, env) for key, env in first.items()}
    opened = [o for o in outcomes.values() if isinstance(o, _Opened)]
    records_ = [o for o in opened if o.record is not None]
    slot_ids = _slot_ids(records_)
    with begin_pipelined(conn) as pg:
        if claim is not None:
            claim.send(conn)
        known_cursor = pg.execute(_CLASSIFY_SQL, {"ids": list(first)})
        prefix_cursor = (
            pg.execute(_PREFIX_SQL, {"station": station_id})
            if records_ and station_id not in _PINNED
            else None
        )
        slots_cursor = pg.execute(_SLOTS_SQL, {"ids": slot_ids, "station": station_id}) if slot_ids else None
    if claim is not None:
        claim.check(conn)
    read: frozenset[str] | None = None
    if prefix_cursor is not None:
        row = prefix_cursor.fetchone()
        if row is not None:
            read = _pin(station_id, row[0], row[1], row[2])
    offered = {str(r[0]) for r in slots_cursor.fetchall()} if slots_cursor is not None else set()
    results = _classified(station_id, list(first.values()), known_cursor.fetchall())
    opened = [o for o in opened if str(o.envelope.id) not in results]
    for key, outcome in outcomes.items():
        if key not in results and isinstance(outcome, ItemResult):
            results[key] = outcome
    # When the round trip above read the station's prefixes, the rules use what it found (None: no
    # claim and no stored record yet) instead of reading the same row again.
    refused = _station_rules(
        conn, station_id, opened, offered, prefixes=(read,) if prefix_cursor is not None else None
    )
    plain = [o for o in opened if str(o.envelope.id) not in refused]
    if any(o.vote is not None for o in plain) or ledger_intake.wants_status(_pushed(station_id, plain)):
        _store_checked(conn, keys, station_id, opened, results, refused)
        return results
    results.update(refused)
    if _send_store(conn, keys, station_id, plain):
        for item in plain:
            results[str(item.envelope.id)] = ItemResult(id=item.envelope.id, status=ItemStatus.ACCEPTED)
    else:
        _store_checked(conn, keys, station_id, plain, results, {})
    return results


def _send_store(conn: Connection, keys: HubKeys, station_id: str, opened: list[_Opened]) -> bool:
    """Store `opened` (no votes, no ledger statuses) and index them in one pipelined round trip,
    inside a savepoint. False (after rolling back to it) when an item was not new to the ledger
    (another push stored it meanwhile) or anything failed: the caller then stores step by step."""
    if not opened:
        return True
    pg = conn.connection.driver_connection
    assert pg is not None
    now = datetime.now(UTC)
    pushed = _pushed(station_id, opened, now)
    index = (
        resident_index.plan(keys, pushed, resident_index.office_tz(), queue_topics=True) if pushed else None
    )
    ids = {str(o.envelope.id) for o in opened}
    try:
        with pg.pipeline():
            pg.execute("SAVEPOINT push_store")
            # Every write of the push in one statement (bulk.Statement), but the resident rows:
            # resident_index.send_index adds its counters, sends it, then locks and upserts those.
            writes = bulk.Statement(conn)
            ledger = writes.add(
                _ledger, _ledger_rows(station_id, opened, now), conflict=["id"], returning="id"
            )
            _store(conn, keys, station_id, opened, now, into=writes)
            if index is not None:
                finish = resident_index.send_index(conn, index, station_id, writes)
            else:
                writes.send()
                finish = None
        if {row[0] for row in writes.rows(ledger)} == ids and (finish is None or finish()):
            return True
    except psycopg.Error:
        log.warning("pipelined push of %d item(s) failed; storing step by step", len(opened), exc_info=True)
    pg.execute("ROLLBACK TO SAVEPOINT push_store")
    return False


def _pushed(
    station_id: str, opened: Sequence[_Opened], now: datetime | None = None
) -> list[resident_index.Pushed]:
    return [
        resident_index.Pushed(
            str(o.envelope.id),
            station_id,
            o.envelope.kind.value,
            o.payload,
            assume_utc(o.record.created_at),
            now or datetime.now(UTC),
        )
        for o in opened
        if o.record is not None
    ]


def _classified(station_id: str, envs: Sequence[Envelope], rows: Sequence[Any]) -> dict[str, ItemResult]:
    """Answers for the items the ledger already holds (`rows`: id, station, sha256, kind)."""
    stored = {row[0]: row for row in rows}
    out: dict[str, ItemResult] = {}
    for env in envs:
        row = stored.get(str(env.id))
        if row is None:
            continue
        same = row[1] == station_id and row[2] == env.sha256 and row[3] == env.kind.value
        out[str(env.id)] = ItemResult(id=env.id, status=ItemStatus.DUPLICATE_ACK) if same else _conflict(env)
    return out


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
    return _classified(station_id, envs, rows)


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


def _station_rules(
    conn: Connection,
    station_id: str,
    opened: Sequence[_Opened],
    offered: set[str] | None = None,
    *,
    prefixes: tuple[frozenset[str] | None] | None = None,
) -> dict[str, ItemResult]:
    """Rules that depend on who pushes: a receipt code carries this station's own prefix (the one it
    claimed at enrolment, or the one it gave out codes with before the hub gave it that one; for a
    station from before claims, the one its first accepted record pinned), so it can never switch to
    another's; and a booked slot is one the hub offered to this station (`offered`: those already
    read, else they are read here; likewise `prefixes`, the station's own prefixes as the caller has
    just read them, in a 1-tuple: `(None,)` for a station with no claim and no stored record)."""
    out: dict[str, ItemResult] = {}
    records = [o for o in opened if o.record is not None]
    if not records:
        return out
    first = records[0].record
    assert first is not None
    known = prefixes[0] if prefixes is not None else _own_prefixes(conn, station_id)
    own = known or frozenset({payload_rules.receipt_prefix(first.receipt_code)})
    fresh = False
    if offered is None:
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
    pinned = None
    if claim is None:
        pinned = conn.execute(
            select(_requests.c.receipt_code).where(_requests.c.station_id == station_id).limit(1)
        ).scalar()
    return _pin(station_id, claim, before, pinned)


def pin_claimed_prefixes(station_id: str, claim: str | None, before: str | None) -> None:
    """Remember a station's claimed prefixes ahead of its first push (a worker's start-up warm-up);
    a station that claimed none is read at its first push as before."""
    if claim is not None:
        _pin(station_id, claim, before, None)


def _pin(station_id: str, claim: str | None, before: str | None, pinned: str | None) -> frozenset[str] | None:
    """Remember the station's own prefixes: its claim (and the one before), else its stored
    records' (`pinned`: any one receipt code of them); None while it has neither."""
    if claim is not None:
        prefixes = frozenset(p for p in (claim, before) if p is not None)
    elif pinned:
        prefixes = frozenset({payload_rules.receipt_prefix(pinned)})
    else:
        return None
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


def _slot_ids(records: Sequence[_Opened]) -> list[int]:
    """The hub slot ids the records book (anything else is not a hub slot and is never offered)."""
    wanted = {s for o in records if o.record is not None and (s := _slot_of(o.record)) is not None}
    return sorted(int(s) for s in wanted if s.isdigit() and len(s) < 18)


def _offered_slots(conn: Connection, station_id: str, records: Sequence[_Opened]) -> set[str]:
    ids = _slot_ids(records)
    if not ids:
        return set()
    rows = conn.execute(
        select(_slots.c.id).where(
            _slots.c.id.in_(ids), (_slots.c.station_id.is_(None)) | (_slots.c.station_id == station_id)
        )
    ).scalars()
    return {str(r) for r in rows}


def _ledger_rows(station_id: str, opened: Sequence[_Opened], now: datetime) -> list[dict[str, Any]]:
    return [
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


def _insert_ledger(conn: Connection, station_id: str, opened: Sequence[_Opened], now: datetime) -> set[str]:
    if not opened:
        return set()
    rows = _ledger_rows(station_id, opened, now)
    return {row[0] for row in bulk.insert_rows(conn, _ledger, rows, conflict=["id"], returning="id")}


def _store(
    conn: Connection,
    keys: HubKeys,
    station_id: str,
    items: Sequence[_Opened],
    now: datetime,
    *,
    into: bulk.Statement | None = None,
) -> None:
    """Insert the new rows with one multi-row INSERT per table (the ORM unit of work is per row);
    `into`: PostgreSQL, add them to that statement instead (bulk.Statement)."""
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
        if rows and into is not None:
            into.add(table, rows)
        elif rows:
            bulk.insert_rows(conn, table, rows)


def payload_aad(request_id: str) -> str:
    return f"requests/payload/{request_id}"
