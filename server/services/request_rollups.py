"""Rollups the statistics, topics and report pages read, kept at write time.

Three writers keep them, each inside the transaction that changes what they count:

- `add` (from the push hook, resident_index.index_pushed): one `request_stats` row per new work
  request, and +1 on its office day's `request_day_counts`, `topic_day_counts` (once per topic of
  the request) and `topic_word_day_counts` rows, and on its `request_status_counts` row (station,
  service, status: the queue's totals). Only rows `request_stats` did not hold yet are counted, so
  indexing a request twice never counts it twice.
- `status_changed` (from feed.record_status, every status step there is): the first step out of
  `new` and the first into done/rejected set the request's first-response and close times; a
  step into or out of done/rejected moves `closed` on its day row; the request moves from its old
  status's `request_status_counts` row to the new one's.
- `living_alone_before` / `checkins_added` (the push hook again): living-alone residents' check-ins
  per office day, moved with a resident whose living-alone mark a newer snapshot changes.
- `rebuild`: everything again from the stored tables (requests, history, request facts and topic
  words), for a database that had requests before the rollups existed (the migration runs it) and
  after `yizhan-hub reindex`.

The office day of a request is the hub's receipt day in the office time zone (YIZHAN_CONSOLE_TZ),
except for a paper-ledger import (台账), which counts on the ledger's own date. Counters are
upserted in key order, so two pushes touching the same day rows lock them in the same order.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    case,
    delete,
    func,
    insert,
    select,
    tuple_,
    type_coerce,
)

from server.db.console_models import (
    CheckinDayCount,
    HubResident,
    RequestDayCount,
    RequestFacts,
    RequestStats,
    RequestStatusCount,
    RequestTopic,
    ResidentCheckin,
    TopicDayCount,
    TopicWordDayCount,
)
from server.db.models import RequestHistory, ServiceRequest
from server.db.types import UtcDateTime
from server.services import bulk, console_weeks

WORK_KINDS = ("service_request", "help_call")
CLOSED = ("done", "rejected")
CATEGORY_PREFIX = "#"  # a problem category counted as a topic word (services/topics.py), never shown
BATCH = 5000
STATUS_KEYS = ["station_id", "service", "status"]

_stats = cast(Table, RequestStats.__table__)
_days = cast(Table, RequestDayCount.__table__)
_status_counts = cast(Table, RequestStatusCount.__table__)
_topic_days = cast(Table, TopicDayCount.__table__)
_word_days = cast(Table, TopicWordDayCount.__table__)
_checkin_days = cast(Table, CheckinDayCount.__table__)
_residents = cast(Table, HubResident.__table__)
_resident_checkins = cast(Table, ResidentCheckin.__table__)


@dataclass(frozen=True)
class Counted:
    """One newly stored work request as the rollups count it."""

    request_id: str
    station_id: str
    service: str
    category: str  # "" for none
    day: date
    received_at: datetime
    imported: bool
    status: str  # as stored (a push stores `new`)
    words: dict[str, str] = field(default_factory=dict)  # topic word → topic (services/topics.py)


def hours_between(start: datetime, end: datetime | None) -> float | None:
    """Hours from `start` to `end`, never negative (a station clock ahead of the hub's)."""
    return None if end is None else max(0.0, (end - start).total_seconds() / 3600)


def _bump_rows(
    table: Table, keys: list[str], counts: dict[tuple[Any, ...], dict[str, int]]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The upsert rows and SET clause that add `counts` (key tuple → column → delta) to `table`."""
    columns = sorted({c for deltas in counts.values() for c in deltas})
    rows = [
        {**dict(zip(keys, key, strict=True)), **{c: counts[key].get(c, 0) for c in columns}}
        for key in sorted(counts)  # one lock order for every writer
    ]
    return rows, {c: f"{table.name}.{c} + excluded.{c}" for c in columns}


def _bump(
    conn: Connection, table: Table, keys: list[str], counts: dict[tuple[Any, ...], dict[str, int]]
) -> None:
    """Add `counts` (key tuple → column → delta) to `table`'s rows, creating missing rows."""
    if not counts:
        return
    rows, adds = _bump_rows(table, keys, counts)
    bulk.insert_rows(conn, table, rows, conflict=keys, update=adds)  # one statement per table


def _stat_rows(requests: Sequence[Counted]) -> list[dict[str, Any]]:
    return [
        {
            "request_id": r.request_id,
            "station_id": r.station_id,
            "service": r.service,
            "category": r.category,
            "day": r.day,
            "received_at": r.received_at,
            "imported": r.imported,
        }
        for r in requests
    ]


Bumps = list[tuple[Table, list[str], dict[tuple[Any, ...], dict[str, int]]]]


def _counts(requests: Sequence[Counted], fresh: set[str]) -> tuple[Bumps, int]:
    """The counter deltas of the requests in `fresh` (each id once), in the order every writer
    upserts them (day rows first, then status, topic and word rows); and how many requests counted."""
    fresh = set(fresh)
    days: dict[tuple[Any, ...], dict[str, int]] = {}
    statuses: Counter[tuple[Any, ...]] = Counter()
    topic_days: Counter[tuple[Any, ...]] = Counter()
    word_days: Counter[tuple[Any, ...]] = Counter()
    for r in requests:
        if r.request_id not in fresh:
            continue
        fresh.discard(r.request_id)  # the same id twice in one call counts once
        deltas = days.setdefault((r.day, r.station_id, r.service, r.category), {"n": 0, "closed": 0})
        deltas["n"] += 1
        deltas["closed"] += r.status in CLOSED
        statuses[(r.station_id, r.service, r.status)] += 1
        for topic in set(r.words.values()):
            topic_days[(r.day, r.station_id, topic)] += 1
        for word, topic in r.words.items():
            if not word.startswith(CATEGORY_PREFIX):
                word_days[(r.day, r.station_id, topic, word)] += 1
    bumps: Bumps = [
        (_days, ["day", "station_id", "service", "category"], days),
        (_status_counts, STATUS_KEYS, {k: {"n": v} for k, v in statuses.items()}),
        (_topic_days, ["day", "station_id", "topic"], {k: {"n": v} for k, v in topic_days.items()}),
        (_word_days, ["day", "station_id", "topic", "word"], {k: {"n": v} for k, v in word_days.items()}),
        # The statistics' week rows, last: every writer locks them after its day rows (console_weeks.py).
        *console_weeks.week_bumps({k: v["n"] for k, v in days.items()}, topic_days),
    ]
    return bumps, sum(d["n"] for d in days.values())


def add(conn: Connection, requests: Sequence[Counted]) -> int:
    """Count newly stored work requests (push time); returns how many were new to the rollups."""
    if not requests:
        return 0
    fresh = {
        row[0]
        for row in bulk.insert_rows(
            conn, _stats, _stat_rows(requests), conflict=["request_id"], returning="request_id"
        )
    }
    bumps, counted = _counts(requests, fresh)
    for table, keys, counts in bumps:
        _bump(conn, table, keys, counts)
    return counted


def send_add(conn: Connection, requests: Sequence[Counted], writes: bulk.Statement) -> Callable[[], bool]:
    """PostgreSQL: `add`'s statements as parts of `writes` (bulk.Statement), counting every request
    as new to the rollups (true of a request the push has just stored). Returns a check to call
    once `writes` has been answered: False when `request_stats` already held one of them (then the
    counters are wrong and the caller must roll them back and call `add`)."""
    if not requests:
        return lambda: True
    ids = {r.request_id for r in requests}
    stats = writes.add(_stats, _stat_rows(requests), conflict=["request_id"], returning="request_id")
    bumps, _counted = _counts(requests, ids)
    for table, keys, counts in bumps:
        if counts:
            rows, adds = _bump_rows(table, keys, counts)
            writes.add(table, rows, conflict=keys, update=adds)
    return lambda: {row[0] for row in writes.rows(stats)} == ids


def add_topics(conn: Connection, segmented: Sequence[tuple[date, str, dict[str, str]]]) -> None:
    """Count requests just segmented (services/topic_queue.py): each (office day, station, topic
    words new to `request_topics`) adds 1 to its day's topic rows (once per topic), its word rows
    and its week's topic rows, in the order every writer upserts them (day rows, then week rows)."""
    topic_days: Counter[tuple[Any, ...]] = Counter()
    word_days: Counter[tuple[Any, ...]] = Counter()
    for day, station_id, words in segmented:
        for topic in set(words.values()):
            topic_days[(day, station_id, topic)] += 1
        for word, topic in words.items():
            if not word.startswith(CATEGORY_PREFIX):
                word_days[(day, station_id, topic, word)] += 1
    bumps: Bumps = [
        (_topic_days, ["day", "station_id", "topic"], {k: {"n": v} for k, v in topic_days.items()}),
        (_word_days, ["day", "station_id", "topic", "word"], {k: {"n": v} for k, v in word_days.items()}),
        *console_weeks.week_bumps({}, topic_days)[1:],
    ]
    if conn.dialect.name != "postgresql":
        for table, keys, counts in bumps:
            _bump(conn, table, keys, counts)
        return
    writes = bulk.Statement(conn)  # PostgreSQL: the three upserts as one statement, in this order
    for table, keys, counts in bumps:
        if counts:
            rows, adds = _bump_rows(table, keys, counts)
            writes.add(table, rows, conflict=keys, update=adds)
    writes.send()


def living_alone_before(conn: Connection, who: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """(station id, resident key) → (living_alone, seen_at) of residents already known, row-locked
    in key order until the push commits (so the change computed from them cannot race)."""
    if not who:
        return {}
    r = _residents.c
    wanted = sorted(set(who))
    found: dict[tuple[str, str], Any] = {}
    for i in range(0, len(wanted), 500):
        part = wanted[i : i + 500]
        query = (
            select(r.station_id, r.resident_key, r.living_alone, r.seen_at)
            .where(tuple_(r.station_id, r.resident_key).in_(part))
            .order_by(r.station_id, r.resident_key)
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        for row in conn.execute(query):
            found[(row.station_id, row.resident_key)] = (bool(row.living_alone), row.seen_at)
    return found


def checkins_added(
    conn: Connection,
    before: dict[tuple[str, str], Any],
    after: dict[tuple[str, str], bool],
    new_days: Sequence[tuple[str, str, date]],
) -> None:
    """Keep `checkin_day_counts` after a push: each new check-in day of a resident living alone
    now counts once; a resident whose mark changed moves their earlier days in or out."""
    counts: Counter[tuple[Any, ...]] = Counter()
    fresh = set(new_days)
    for station_id, key, day in fresh:
        if after.get((station_id, key)):
            counts[(day, station_id)] += 1
    flipped = {who: after[who] for who, (was, _seen) in before.items() if who in after and after[who] != was}
    if flipped:
        rc = _resident_checkins.c
        for station_id, key, day in conn.execute(
            select(rc.station_id, rc.resident_key, rc.day).where(
                tuple_(rc.station_id, rc.resident_key).in_(sorted(flipped))
            )
        ):
            if (station_id, key, day) not in fresh:
                counts[(day, station_id)] += 1 if flipped[(station_id, key)] else -1
    _bump(conn, _checkin_days, ["day", "station_id"], {k: {"n": v} for k, v in counts.items() if v})


def status_changed(
    conn: Connection, request_id: str, from_status: str | None, to_status: str, at: datetime
) -> None:
    """One status step of a request (feed.record_status), in the same transaction as its history row."""
    row = conn.execute(
        select(
            _stats.c.day,
            _stats.c.station_id,
            _stats.c.service,
            _stats.c.category,
            _stats.c.received_at,
            _stats.c.imported,
            _stats.c.first_response_at,
            _stats.c.closed_at,
        ).where(_stats.c.request_id == request_id)
    ).one_or_none()
    if row is None:
        return  # not a work request (a check-in's status), or not counted yet: rebuild counts it
    values: dict[str, Any] = {}
    if from_status == "new" and row.first_response_at is None:
        values["first_response_at"] = at
        values["first_h"] = None if row.imported else hours_between(row.received_at, at)
    if to_status in CLOSED and row.closed_at is None:
        values["closed_at"] = at
        values["close_h"] = None if row.imported else hours_between(row.received_at, at)
    if values:
        conn.execute(_stats.update().where(_stats.c.request_id == request_id).values(**values))
    step = int(to_status in CLOSED) - int(from_status in CLOSED)
    if step:
        _bump(
            conn,
            _days,
            ["day", "station_id", "service", "category"],
            {(row.day, row.station_id, row.service, row.category): {"closed": step}},
        )
    if from_status != to_status:  # after the day row: every writer locks day rows, then these
        moved = {(row.station_id, row.service, to_status): {"n": 1}}
        if from_status is not None:
            moved[(row.station_id, row.service, from_status)] = {"n": -1}
        _bump(conn, _status_counts, STATUS_KEYS, moved)


def local_day(at: datetime, tz: ZoneInfo) -> date:
    try:
        return at.astimezone(tz).date()
    except OverflowError:  # a clock at the edge of the calendar (9999-12-31)
        return at.date()


def _lock(conn: Connection, tables: Sequence[Table]) -> None:
    """Hold pushes and status changes off the rollups while they are rebuilt (PostgreSQL; SQLite
    already has one writer)."""
    if conn.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        conn.exec_driver_sql(f"LOCK TABLE {names} IN EXCLUSIVE MODE")


def rebuild(conn: Connection, tz: ZoneInfo, *, statuses: bool = True) -> int:
    """Recount everything from the stored tables; returns the work requests counted.

    A request's office day and ledger mark are kept from its `request_stats` row when it has one
    (only the sealed payload knows a ledger date: `yizhan-hub reindex` re-reads them first); a
    request without one counts on its receipt day. `statuses=False` leaves `request_status_counts`
    alone (migration 0006 runs before 0009 creates it; 0009 then calls `recount_statuses`).
    """
    tables = [_word_days, _topic_days, _days, *([_status_counts] if statuses else []), _stats, _checkin_days]
    _lock(conn, tables)
    known = {
        r[0]: (r[1], bool(r[2]))
        for r in conn.execute(select(_stats.c.request_id, _stats.c.day, _stats.c.imported))
    }
    for table in tables:
        conn.execute(delete(table))
    h = RequestHistory
    stamp = UtcDateTime()
    timing = (
        select(
            h.request_id.label("request_id"),
            type_coerce(func.min(case((h.from_status == "new", h.at))), stamp).label("first_at"),
            type_coerce(func.min(case((h.to_status.in_(CLOSED), h.at))), stamp).label("closed_at"),
        )
        .group_by(h.request_id)
        .subquery()
    )
    r = ServiceRequest
    counted, after = 0, ""
    while True:
        batch = conn.execute(
            select(
                r.id,
                r.station_id,
                r.service,
                r.received_at,
                RequestFacts.category,
                timing.c.first_at,
                timing.c.closed_at,
            )
            .outerjoin(RequestFacts, RequestFacts.request_id == r.id)
            .outerjoin(timing, timing.c.request_id == r.id)
            .where(r.kind.in_(WORK_KINDS), r.id > after)
            .order_by(r.id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        rows = []
        for b in batch:
            day, imported = known.get(b.id) or (local_day(b.received_at, tz), False)
            rows.append(
                {
                    "request_id": b.id,
                    "station_id": b.station_id,
                    "service": b.service,
                    "category": b.category or "",
                    "day": day,
                    "received_at": b.received_at,
                    "imported": imported,
                    "first_response_at": b.first_at,
                    "closed_at": b.closed_at,
                    "first_h": None if imported else hours_between(b.received_at, b.first_at),
                    "close_h": None if imported else hours_between(b.received_at, b.closed_at),
                }
            )
        conn.execute(insert(_stats), rows)
        counted, after = counted + len(rows), batch[-1].id
    _recount(conn)
    if statuses:
        _recount_statuses(conn)
    console_weeks.recount(conn)  # the week rows from the day rows just counted
    return counted


def recount_statuses(conn: Connection) -> None:
    """`request_status_counts` again from `request_stats` and the requests' current statuses."""
    _lock(conn, [_status_counts])
    conn.execute(delete(_status_counts))
    _recount_statuses(conn)


def _recount_statuses(conn: Connection) -> None:
    s, r = _stats.c, ServiceRequest
    conn.execute(
        insert(_status_counts).from_select(
            [*STATUS_KEYS, "n"],
            select(s.station_id, s.service, r.status, func.count())
            .join(r, r.id == s.request_id)
            .group_by(s.station_id, s.service, r.status),
        )
    )


def _recount(conn: Connection) -> None:
    """The counters from `request_stats` (and current statuses, topic words, check-in days), in SQL."""
    s, r, t = _stats.c, ServiceRequest, RequestTopic
    rc, res = _resident_checkins.c, _residents.c
    conn.execute(
        insert(_checkin_days).from_select(
            ["day", "station_id", "n"],
            select(rc.day, rc.station_id, func.count())
            .join(_residents, (res.station_id == rc.station_id) & (res.resident_key == rc.resident_key))
            .where(res.living_alone.is_(True))
            .group_by(rc.day, rc.station_id),
        )
    )
    conn.execute(
        insert(_days).from_select(
            ["day", "station_id", "service", "category", "n", "closed"],
            select(
                s.day,
                s.station_id,
                s.service,
                s.category,
                func.count(),
                func.sum(case((r.status.in_(CLOSED), 1), else_=0)),
            )
            .join(r, r.id == s.request_id)
            .group_by(s.day, s.station_id, s.service, s.category),
        )
    )
    conn.execute(
        insert(_topic_days).from_select(
            ["day", "station_id", "topic", "n"],
            select(s.day, s.station_id, t.topic, func.count(func.distinct(t.request_id)))
            .join(_stats, s.request_id == t.request_id)
            .group_by(s.day, s.station_id, t.topic),
        )
    )
    conn.execute(
        insert(_word_days).from_select(
            ["day", "station_id", "topic", "word", "n"],
            select(s.day, s.station_id, t.topic, t.word, func.count())
            .join(_stats, s.request_id == t.request_id)
            .where(~t.word.startswith(CATEGORY_PREFIX))
            .group_by(s.day, s.station_id, t.topic, t.word),
        )
    )


# ---- reading ---------------------------------------------------------------------------------


def _scoped(column: Any, first: date, last: date, day: Any, scope: Sequence[str] | None) -> list[Any]:
    where = [day >= first, day <= last]
    if scope is not None:
        where.append(column.in_(list(scope)))
    return where


def window_of(day: date, starts: Sequence[date]) -> int:
    """Which of the windows beginning at `starts` (ascending) `day` falls in (-1: before them)."""
    return bisect_right(starts, day) - 1


def counts_by(
    conn: Connection,
    first: date,
    last: date,
    starts: Sequence[date],
    scope: Sequence[str] | None,
    by: str,
) -> dict[tuple[int, str], tuple[int, int]]:
    """(window index, service or station id) → (requests, closed) for days [first, last], in the
    windows beginning at `starts`; `by` is "service" or "station_id". Grouped per day in SQL (a
    few hundred rows) and into windows here."""
    d = _days.c
    key = d[by]
    out: dict[tuple[int, str], tuple[int, int]] = {}
    for day, name, n, closed in conn.execute(
        select(d.day, key, func.sum(d.n), func.sum(d.closed))
        .where(*_scoped(d.station_id, first, last, d.day, scope))
        .group_by(d.day, key)
    ):
        at = (window_of(day, starts), str(name))
        had = out.get(at, (0, 0))
        out[at] = (had[0] + int(n), had[1] + int(closed))
    return out


def period_counts(
    conn: Connection, first: date, last: date, starts: Sequence[date], scope: Sequence[str] | None
) -> tuple[Counter[tuple[int, str]], Counter[tuple[int, str]], list[tuple[str, int]]]:
    """PostgreSQL, one pass over the period's day rows (GROUPING SETS): requests per (window index,
    service), per (window index, station id), and problem reports per category, most first — what
    `counts_by` twice and `categories` give in three passes."""
    d = _days.c
    marker = func.grouping(d.day, d.service, d.station_id, d.category)
    by_service: Counter[tuple[int, str]] = Counter()
    by_station: Counter[tuple[int, str]] = Counter()
    cats: Counter[str] = Counter()
    for mark, day, service, station_id, category, n in conn.execute(
        select(marker, d.day, d.service, d.station_id, d.category, func.sum(d.n))
        .where(*_scoped(d.station_id, first, last, d.day, scope))
        .group_by(
            func.grouping_sets(
                tuple_(d.day, d.service), tuple_(d.day, d.station_id), tuple_(d.service, d.category)
            )
        )
    ):
        if mark == 0b0011:  # (day, service)
            by_service[(window_of(day, starts), str(service))] += int(n)
        elif mark == 0b0101:  # (day, station)
            by_station[(window_of(day, starts), str(station_id))] += int(n)
        elif service == "problem_report" and category:
            cats[str(category)] += int(n)
    return by_service, by_station, sorted(cats.items(), key=lambda kv: (-kv[1], kv[0]))


def categories(
    conn: Connection, first: date, last: date, scope: Sequence[str] | None
) -> list[tuple[str, int]]:
    """Problem reports per category in days [first, last], most first."""
    d = _days.c
    total = func.sum(d.n)
    rows = conn.execute(
        select(d.category, total)
        .where(
            *_scoped(d.station_id, first, last, d.day, scope), d.service == "problem_report", d.category != ""
        )
        .group_by(d.category)
        .order_by(total.desc(), d.category)
    ).all()
    return [(str(c), int(n)) for c, n in rows]


def topic_windows(
    conn: Connection, first: date, last: date, starts: Sequence[date], stations: Sequence[str] | None
) -> Iterable[tuple[str, int, int]]:
    """(topic, window index, distinct requests) for days [first, last]."""
    t = _topic_days.c
    out: Counter[tuple[str, int]] = Counter()
    for topic, day, n in conn.execute(
        select(t.topic, t.day, func.sum(t.n))
        .where(*_scoped(t.station_id, first, last, t.day, stations))
        .group_by(t.topic, t.day)
    ):
        out[(str(topic), window_of(day, starts))] += int(n)
    for (topic, index), n in out.items():
        yield topic, index, n


def topic_words(
    conn: Connection, first: date, last: date, stations: Sequence[str] | None
) -> Iterable[tuple[str, str, int]]:
    """(topic, word, requests) for days [first, last]."""
    w = _word_days.c
    for topic, word, n in conn.execute(
        select(w.topic, w.word, func.sum(w.n))
        .where(*_scoped(w.station_id, first, last, w.day, stations))
        .group_by(w.topic, w.word)
    ):
        yield str(topic), str(word), int(n)


def topic_totals(
    conn: Connection, first: date, last: date, stations: Sequence[str] | None, *, ungrouped: str
) -> dict[str, int]:
    """Distinct requests per grouped topic (labels not starting with `ungrouped`) in days [first, last]."""
    t = _topic_days.c
    rows = conn.execute(
        select(t.topic, func.sum(t.n))
        .where(*_scoped(t.station_id, first, last, t.day, stations), ~t.topic.startswith(ungrouped))
        .group_by(t.topic)
    ).all()
    return {str(topic): int(n) for topic, n in rows}


def timings(
    conn: Connection, first: date, last: date, scope: Sequence[str] | None
) -> Iterable[tuple[str, float | None, float | None]]:
    """(service, hours to first response, hours to close) per request of days [first, last]."""
    s = _stats.c
    yield from conn.execute(
        select(s.service, s.first_h, s.close_h).where(*_scoped(s.station_id, first, last, s.day, scope))
    )


def median_timings(
    conn: Connection, first: date, last: date, scope: Sequence[str] | None
) -> list[tuple[str | None, int, float | None, float | None]]:
    """PostgreSQL: (service or None for all, requests, median first-response hours, median close
    hours) in one pass over the covering index."""
    s = _stats.c
    rows = conn.execute(
        select(
            s.service,
            func.count(),
            func.percentile_cont(0.5).within_group(s.first_h),
            func.percentile_cont(0.5).within_group(s.close_h),
        )
        .where(*_scoped(s.station_id, first, last, s.day, scope))
        .group_by(func.rollup(s.service))
    ).all()
    return [
        (service, int(n), None if a is None else float(a), None if b is None else float(b))
        for service, n, a, b in rows
    ]


def status_counts(
    conn: Connection,
    *,
    stations: Sequence[str] | None,
    service: str | None,
    statuses: Sequence[str] | None,
) -> int:
    """Work requests now in `statuses` (None: any) at `stations` (None: all), of `service` (None:
    any): a sum over at most stations × services × statuses counter rows."""
    c = _status_counts.c
    where: list[ColumnElement[bool]] = []
    if stations is not None:
        where.append(c.station_id.in_(list(stations)))
    if service:
        where.append(c.service == service)
    if statuses is not None:
        where.append(c.status.in_(list(statuses)))
    return int(conn.scalar(select(func.coalesce(func.sum(c.n), 0)).where(*where)) or 0)


def checkin_counts(
    conn: Connection, first: date, last: date, scope: Sequence[str] | None
) -> list[tuple[str, date, int]]:
    """(station id, day, living-alone residents who checked in) for days [first, last]."""
    c = _checkin_days.c
    rows = conn.execute(
        select(c.station_id, c.day, c.n).where(*_scoped(c.station_id, first, last, c.day, scope))
    )
    return [(str(sid), day, int(n)) for sid, day, n in rows if n]
