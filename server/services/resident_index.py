"""What the console knows about residents, built from the payloads stations pushed.

The hub has no resident register: a resident exists here because a station sent a request with a
`resident` snapshot (name, id_number, phone, address, living_alone, emergency_contact).
`index_pushed` runs inside the push transaction (called from services/records.py) with the payloads
the push just opened, so no page ever decrypts requests to build it: per station and
resident the newest snapshot (encrypted), the latest check-in and "我不太好" check-in
(`fields.feeling == "unwell"`), the check-in days, each request's non-personal facts (problem
category, booked slot), its topic words (services/topics.py: segmented here for `backfill`; a push
queues them for services/topic_queue.py, off the request path) and the statistics rollups
(services/request_rollups.py). A request imported from a paper ledger then takes the ledger's
status and reply (services/ledger_intake.py). Indexing a request twice is
harmless (`backfill` re-reads everything for records older than this index)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, delete, func, select
from sqlalchemy.orm import Session

from server.core.keys import HubKeys
from server.db.console_models import (
    CheckinVisit,
    HubResident,
    RequestFacts,
    RequestStats,
    RequestTopic,
    ResidentCheckin,
    TopicQueue,
)
from server.db.models import ServiceRequest, Station
from server.db.types import assume_utc
from server.services import bulk, ledger_intake, request_rollups, topic_queue, topics

BATCH = 2000
log = logging.getLogger(__name__)
UNWELL = ("unwell", "not_well", "bad")  # a daily check-in's `feeling` that means "我不太好"
_PERSON_KEYS = ("name", "id_number", "phone", "address", "emergency_contact")


@dataclass(frozen=True)
class ResidentRow:
    station_id: str
    station: str
    key: str
    person: dict[str, Any]
    last_checkin_at: datetime | None
    checked_in: bool
    visited_by: str | None
    visited_at: datetime | None


def resident_key(keys: HubKeys, resident: dict[str, Any]) -> str | None:
    if resident.get("id"):
        return str(resident["id"])[:64]
    if resident.get("id_number"):
        # A keyed hash: joins a person's records without storing the ID number in the clear.
        mac = hmac.new(keys.dek, f"resident:{resident['id_number']}".encode(), hashlib.sha256)
        return "h:" + mac.hexdigest()[:40]
    return None


def payload_aad(request_id: str) -> str:
    return f"requests/payload/{request_id}"  # the same binding services/records.py encrypts with


def data_aad(station_id: str, key: str) -> str:
    return f"hub_residents/data/{station_id}/{key}"


@dataclass(frozen=True)
class Pushed:
    """One stored request as the indexer needs it (the push hands in the payload it just opened)."""

    id: str
    station_id: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime  # station time
    received_at: datetime  # hub time
    status: str = "new"  # as stored (a push stores `new`)


def index_opened(
    conn: Connection, keys: HubKeys, station_id: str, opened: Sequence[Any], received_at: datetime
) -> None:
    """The push hook: `opened` are services/records.py's freshly stored items (envelope, payload,
    validated record), all stored with the hub time `received_at` (the value written to their rows,
    so a request counts on the same office day everywhere); audit events (record None) are not
    requests and are skipped."""
    fresh = [o for o in opened if o.record is not None]
    if not fresh:
        return
    records = [
        Pushed(
            str(o.envelope.id),
            station_id,
            o.envelope.kind.value,
            o.payload,
            assume_utc(o.record.created_at),
            received_at,
        )
        for o in fresh
    ]
    if ledger_intake.wants_status(records):
        ledger_intake.lock_feed(conn)
    # A savepoint: an index that cannot be written must never fail the push (the records are
    # stored and acknowledged; `yizhan-hub reindex` can index them later).
    try:
        with conn.begin_nested():
            index_pushed(conn, keys, records, queue_topics=True)
    except Exception:
        log.exception("console index not updated for %d pushed record(s)", len(records))
    ledger_intake.apply(conn, keys, records)


def office_tz() -> ZoneInfo:
    """The office's time zone for check-in days (the console setting YIZHAN_CONSOLE_TZ)."""
    return ZoneInfo(os.environ.get("YIZHAN_CONSOLE_TZ", "Asia/Shanghai"))


@dataclass
class IndexPlan:
    """The rows one batch of pushed requests adds to the index, computed before any is written."""

    facts: list[dict[str, Any]]
    topic_rows: list[dict[str, Any]]
    counted: list[request_rollups.Counted]
    residents: dict[tuple[str, str], dict[str, Any]]  # (station, resident key) → newest snapshot row
    checkins: set[tuple[str, str, date]]  # (station, resident key, office day)
    queued: list[dict[str, Any]] = field(default_factory=list)  # topic_queue rows (queue_topics)


def plan(keys: HubKeys, records: Sequence[Pushed], tz: ZoneInfo, *, queue_topics: bool = False) -> IndexPlan:
    """What `index_pushed` writes for `records` (pure: the snapshot encryption runs here, and jieba
    too unless `queue_topics`, which leaves each work request's topic words to services/
    topic_queue.py: a queue row instead of its words and topic counts)."""
    facts, topic_rows, counted, queued = [], [], [], []
    residents: dict[tuple[str, str], dict[str, Any]] = {}
    checkins: set[tuple[str, str, date]] = set()
    for rec in records:
        resident = rec.payload.get("resident")
        resident = resident if isinstance(resident, dict) else {}
        fields = rec.payload.get("fields")
        fields = fields if isinstance(fields, dict) else {}
        key = resident_key(keys, resident)
        slot = fields.get("slot")
        facts.append(
            {
                "request_id": rec.id,
                "resident_key": key,
                "category": str(fields["category"])[:64] if fields.get("category") else None,
                "slot_id": str(slot)[:64] if slot and rec.kind == "service_request" else None,
            }
        )
        if rec.kind in request_rollups.WORK_KINDS:
            ledger_at = _ledger_time(fields)
            # A request imported from a paper ledger counts on its ledger date, not on import day.
            day = date.fromisoformat(fields["ledger_date"]) if ledger_at else local_day(rec.received_at, tz)
            words: dict[str, str] = {}
            if queue_topics:
                queued.append(
                    topic_queue.queue_row(rec.id, rec.station_id, day, ledger_at or rec.received_at)
                )
            else:
                words = topics.words_of(fields)  # jieba runs here, once per request
                topic_rows.extend(
                    topics.topic_rows(rec.id, rec.station_id, ledger_at or rec.received_at, words)
                )
            counted.append(
                request_rollups.Counted(
                    request_id=rec.id,
                    station_id=rec.station_id,
                    service=str(rec.payload.get("service") or "")[:64],
                    category=str(fields["category"])[:64] if fields.get("category") else "",
                    day=day,
                    received_at=rec.received_at,
                    imported=ledger_at is not None,
                    status=rec.status,
                    words=words,
                )
            )
        if key is None:
            continue
        at = rec.created_at
        row = residents.get((rec.station_id, key))
        if row is None or row["seen_at"] <= at:
            person = {k: _clean(resident.get(k) or "") for k in _PERSON_KEYS}
            checkin = row["last_checkin_at"] if row else None
            unwell = row["unwell_at"] if row else None
            row = residents[(rec.station_id, key)] = {
                "station_id": rec.station_id,
                "resident_key": key,
                "living_alone": bool(resident.get("living_alone")),
                "data_enc": keys.encrypt_json(person, data_aad(rec.station_id, key)),
                "seen_at": at,
                "last_checkin_at": checkin,
                "unwell_at": unwell,
            }
        if rec.kind == "daily_checkin":
            if row["last_checkin_at"] is None or row["last_checkin_at"] < at:
                row["last_checkin_at"] = at
            if str(fields.get("feeling", "")) in UNWELL and (
                row["unwell_at"] is None or row["unwell_at"] < at
            ):
                row["unwell_at"] = at
            checkins.add((rec.station_id, key, local_day(at, tz)))
    return IndexPlan(facts, topic_rows, counted, residents, checkins, queued)


def _marks_after(
    residents: dict[tuple[str, str], dict[str, Any]], before: dict[tuple[str, str], Any]
) -> dict[tuple[str, str], bool]:
    """Each resident's living-alone mark once the upsert is done (the newer snapshot wins)."""
    return {
        who: row["living_alone"] if who not in before or row["seen_at"] >= before[who][1] else before[who][0]
        for who, row in residents.items()
    }


_DAY_KEYS = ["station_id", "resident_key", "day"]


def index_pushed(
    conn: Connection,
    keys: HubKeys,
    records: Sequence[Pushed],
    tz: ZoneInfo | None = None,
    *,
    queue_topics: bool = False,
) -> None:
    """Bring the index up to date with newly stored requests, inside the push transaction.

    Upserts only, keyed by (station, resident): a concurrent push of the same resident keeps the
    newest snapshot (station time) and the latest check-in, whichever commits first. Topic words
    are found here, or with `queue_topics` (the push) queued for services/topic_queue.py.
    """
    if not records:
        return
    p = plan(keys, records, tz or office_tz(), queue_topics=queue_topics)
    _insert_ignore(conn, _facts, p.facts, ["request_id"])
    _insert_ignore(conn, _topics, p.topic_rows, ["request_id", "word"])
    _insert_ignore(conn, _queue, p.queued, ["request_id"])
    request_rollups.add(conn, p.counted)
    before = request_rollups.living_alone_before(conn, list(p.residents))
    after = _marks_after(p.residents, before)
    _upsert_residents(conn, [p.residents[k] for k in sorted(p.residents)])
    new_days = [
        (r[0], r[1], r[2])
        for r in bulk.insert_rows(
            conn,
            _checkin_days,
            [dict(zip(_DAY_KEYS, day, strict=True)) for day in sorted(p.checkins)],
            conflict=_DAY_KEYS,
            returning=_DAY_KEYS,  # only the days this push added count in the rollup
        )
    ]
    request_rollups.checkins_added(conn, before, after, new_days)


# Residents a push names, locked in key order until it commits (request_rollups.living_alone_before).
_BEFORE_SQL = (
    "SELECT station_id, resident_key, living_alone, seen_at FROM hub_residents"
    " WHERE station_id = %(station)s AND resident_key = ANY(%(keys)s)"
    " ORDER BY station_id, resident_key FOR UPDATE"
)


def send_index(conn: Connection, p: IndexPlan, station_id: str, writes: bulk.Statement) -> Callable[[], bool]:
    """PostgreSQL, inside a psycopg pipeline: `index_pushed`'s writes for one station's push (`p`
    from `plan`). Its request rows and counters join `writes` (the push's statement, sent here);
    then the residents it names are locked and upserted with their check-in days, in one more
    statement. Returns the step to run after the pipeline's round trip: it counts the new check-in
    days (a statement only when a resident living alone checked in) and answers False when the
    rollups already knew a request (the caller then rolls back to its savepoint and indexes with
    `index_pushed`)."""
    pg = conn.connection.driver_connection
    assert pg is not None and all(who[0] == station_id for who in p.residents)
    writes.add(_facts, p.facts, conflict=["request_id"])
    writes.add(_topics, p.topic_rows, conflict=["request_id", "word"])
    writes.add(_queue, p.queued, conflict=["request_id"])
    counted_all = request_rollups.send_add(conn, p.counted, writes)
    writes.send()
    before_cursor = None
    residents = bulk.Statement(conn)
    days_part = None
    if p.residents:
        wanted = sorted(key for _station, key in p.residents)
        # Locked before the upsert, as its own statement: a WITH part would read the rows the
        # upsert in the same statement changes, in no defined order.
        before_cursor = pg.execute(_BEFORE_SQL, {"station": station_id, "keys": wanted})
        rows = [p.residents[k] for k in sorted(p.residents)]
        residents.add(_residents, rows, conflict=["station_id", "resident_key"], update=_RESIDENT_UPDATE)
    if p.checkins:
        days = [dict(zip(_DAY_KEYS, day, strict=True)) for day in sorted(p.checkins)]
        days_part = residents.add(_checkin_days, days, conflict=_DAY_KEYS, returning=_DAY_KEYS)
    residents.send()

    def finish() -> bool:
        if not counted_all():
            return False
        before = {
            (r[0], r[1]): (bool(r[2]), r[3]) for r in (before_cursor.fetchall() if before_cursor else [])
        }
        new_days = [(r[0], r[1], date.fromisoformat(r[2])) for r in residents.rows(days_part)]
        request_rollups.checkins_added(conn, before, _marks_after(p.residents, before), new_days)
        return True

    return finish


def _ledger_time(fields: dict[str, Any]) -> datetime | None:
    if not fields.get("imported") or not isinstance(fields.get("ledger_date"), str):
        return None
    try:
        return datetime.combine(
            date.fromisoformat(fields["ledger_date"]), datetime.min.time(), office_tz()
        ).astimezone(UTC)
    except ValueError:
        return None


def _clean(value: Any) -> Any:
    """Text as it can be stored: a lone surrogate (from a station's escaped JSON) becomes U+FFFD."""
    return value.encode("utf-8", "replace").decode("utf-8") if isinstance(value, str) else value


local_day = request_rollups.local_day  # the office day of a timestamp (check-ins, warnings)


_facts = cast(Table, RequestFacts.__table__)
_topics = cast(Table, RequestTopic.__table__)
_queue = cast(Table, TopicQueue.__table__)
_residents = cast(Table, HubResident.__table__)
_checkin_days = cast(Table, ResidentCheckin.__table__)


def _insert_ignore(conn: Connection, table: Table, rows: list[dict[str, Any]], keys: list[str]) -> None:
    bulk.insert_rows(conn, table, rows, conflict=keys)


def _later(column: str) -> str:
    """The later of the stored and the new value, either of them possibly NULL."""
    mine, theirs = f"hub_residents.{column}", f"excluded.{column}"
    return (
        f"CASE WHEN {mine} IS NULL THEN {theirs} WHEN {theirs} IS NULL THEN {mine} "
        f"WHEN {theirs} > {mine} THEN {theirs} ELSE {mine} END"
    )


def _newer(column: str) -> str:
    """The new snapshot's value when it is at least as new (station time) as the stored one."""
    newer = "excluded.seen_at >= hub_residents.seen_at"
    return f"CASE WHEN {newer} THEN excluded.{column} ELSE hub_residents.{column} END"


# Upserts keyed by (station, resident): a concurrent push of the same resident keeps the newest
# snapshot and the latest check-in, whichever transaction commits first.
_RESIDENT_UPDATE = {
    "data_enc": _newer("data_enc"),
    "living_alone": _newer("living_alone"),
    "seen_at": _newer("seen_at"),
    "last_checkin_at": _later("last_checkin_at"),
    "unwell_at": _later("unwell_at"),
}


def _upsert_residents(conn: Connection, rows: list[dict[str, Any]]) -> None:
    bulk.insert_rows(conn, _residents, rows, conflict=["station_id", "resident_key"], update=_RESIDENT_UPDATE)


def backfill(session: Session, keys: HubKeys, tz: ZoneInfo | None = None) -> int:
    """Index every stored request again (idempotent): for records pushed before the index was kept
    at push time (`yizhan-hub reindex`), then recount the statistics rollups with each request's
    office day read from its payload again. Returns how many requests were read."""
    conn = session.connection()
    tz = tz or office_tz()
    conn.execute(delete(RequestStats))  # re-read below: ledger dates live only in the payloads
    seen, after = 0, ""
    while True:
        rows = conn.execute(
            select(
                ServiceRequest.id,
                ServiceRequest.station_id,
                ServiceRequest.kind,
                ServiceRequest.payload_enc,
                ServiceRequest.station_created_at,
                ServiceRequest.received_at,
                ServiceRequest.status,
            )
            .where(ServiceRequest.id > after)
            .order_by(ServiceRequest.id)
            .limit(BATCH)
        ).all()
        if not rows:
            request_rollups.rebuild(conn, tz)  # history → response times; counts from scratch
            return seen
        batch = []
        for r in rows:
            payload = keys.decrypt_json(r.payload_enc, payload_aad(r.id))
            batch.append(
                Pushed(
                    r.id,
                    r.station_id,
                    r.kind,
                    payload if isinstance(payload, dict) else {},
                    r.station_created_at,
                    r.received_at,
                    r.status,
                )
            )
        index_pushed(conn, keys, batch, tz)
        seen, after = seen + len(rows), rows[-1].id


def open_person(keys: HubKeys, station_id: str, key: str, blob: bytes) -> dict[str, Any] | None:
    """A resident's snapshot, or None when this one row cannot be read (it is reported, not raised)."""
    try:
        person = keys.decrypt_json(blob, data_aad(station_id, key))
    except Exception:  # noqa: BLE001 — an unreadable snapshot is reported, never a 500
        log.warning("resident snapshot %s/%s cannot be opened", station_id, key[:12])
        return None
    return person if isinstance(person, dict) else None


def mark_visited(
    session: Session, keys: HubKeys, station_id: str, key: str, day: date, by: str, note: str | None
) -> CheckinVisit:
    if session.get(HubResident, (station_id, key)) is None:
        from server.services.errors import HubError

        raise HubError(404, "unknown_resident", "no such resident at this station")
    visit = CheckinVisit(
        station_id=station_id, resident_key=key, day=day, visited_by=by, visited_at=datetime.now(UTC)
    )
    if note:
        visit.note_enc = keys.encrypt_json(note, f"checkin_visits/note/{station_id}/{key}/{day}")
    session.add(visit)
    session.flush()
    return visit


def checkin_rates(
    session: Session, scope: Sequence[str] | None, days: list[date]
) -> dict[str, dict[date, float]]:
    """station name → day → share of its living-alone residents who checked in that day."""
    names = dict(session.execute(select(Station.id, Station.name)).all())
    alone_q = select(HubResident.station_id, func.count()).where(HubResident.living_alone.is_(True))
    if scope is not None:
        alone_q = alone_q.where(HubResident.station_id.in_(list(scope)))
    alone = dict(session.execute(alone_q.group_by(HubResident.station_id)).all())
    # Summed from the per-day rollup the push keeps (services/request_rollups.py).
    counted = request_rollups.checkin_counts(session.connection(), min(days), max(days), scope)
    by: dict[tuple[str, date], int] = {(s, d): int(n) for s, d, n in counted}
    return {
        names.get(sid, sid): {d: by.get((sid, d), 0) / total for d in days}
        for sid, total in alone.items()
        if total
    }
