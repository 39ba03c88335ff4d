"""Per-week rollups the statistics page sums: the day rollups (services/request_rollups.py) added up
by office week (Monday first), per station.

The statistics show eight weeks. Summed from the per-day rows that is ~56 days × stations ×
services × categories (~21,000 rows at 40 stations, ~23,000 more for topics) on every view; by
week it is seven times fewer rows. The week rows keep the station (a viewer limited to some
stations sums theirs), so a push adds to its own station's rows only, exactly as the day rows it
already writes: no new row that every station's push would contend on.

Writers, both in the transaction that writes the day rows:
- `counted`: request_rollups.add hands over the day deltas it has just added (push time);
- `recount`: everything again from the day rows (request_rollups.rebuild, migration 0010).
Only `n` (requests) is kept by week: the statistics do not show `closed`, so a status change
touches no week row.

A week row of the current week may hold a day after today (a paper-ledger date a station sent
ahead of the hub's calendar): readers take such days back off from the day rows, so a week
total always equals the day rows up to today.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, insert, inspect, select, tuple_

from server.db.console_models import RequestDayCount, RequestWeekCount, TopicDayCount, TopicWeekCount
from server.services import bulk

_days = cast(Table, RequestDayCount.__table__)
_topic_days = cast(Table, TopicDayCount.__table__)
_weeks = cast(Table, RequestWeekCount.__table__)
_topic_weeks = cast(Table, TopicWeekCount.__table__)
REQUEST_KEYS = ["week", "station_id", "service", "category"]
TOPIC_KEYS = ["week", "station_id", "topic"]
BATCH = 5000


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


WeekBumps = list[tuple[Table, list[str], dict[tuple[Any, ...], dict[str, int]]]]


def week_bumps(
    days: Mapping[tuple[date, str, str, str], int], topic_days: Mapping[tuple[date, str, str], int]
) -> WeekBumps:
    """The week-row deltas of newly counted requests, as (table, key columns, key → {"n": delta}):
    `days` maps (day, station, service, category) and `topic_days` (day, station, topic) to the
    requests just added to that day row. The shape of request_rollups' own counter bumps, so a
    writer upserts these after its day rows with the same code (rows in key order)."""
    weeks: Counter[tuple[Any, ...]] = Counter()
    for (day, station_id, service, category), n in days.items():
        weeks[(monday(day), station_id, service, category)] += n
    topic_weeks: Counter[tuple[Any, ...]] = Counter()
    for (day, station_id, topic), n in topic_days.items():
        topic_weeks[(monday(day), station_id, topic)] += n
    return [
        (_weeks, REQUEST_KEYS, {k: {"n": n} for k, n in weeks.items() if n}),
        (_topic_weeks, TOPIC_KEYS, {k: {"n": n} for k, n in topic_weeks.items() if n}),
    ]


def counted(
    conn: Connection,
    days: Mapping[tuple[date, str, str, str], int],
    topic_days: Mapping[tuple[date, str, str], int],
) -> None:
    """Add newly counted requests to their week rows (`week_bumps`), one statement per table, rows
    in key order (the lock order every writer of these rows keeps)."""
    for table, keys, counts in week_bumps(days, topic_days):
        rows = [{**dict(zip(keys, key, strict=True)), **counts[key]} for key in sorted(counts)]
        bulk.insert_rows(conn, table, rows, conflict=keys, update={"n": f"{table.name}.n + excluded.n"})


def recount(conn: Connection) -> None:
    """The week rows again from the day rows (the caller holds the rollup tables locked). Does
    nothing before migration 0010 has created them (0006's backfill runs the same rebuild)."""
    if not inspect(conn).has_table(_weeks.name):
        return
    if conn.dialect.name == "postgresql":  # hold pushes off them meanwhile (SQLite has one writer)
        conn.exec_driver_sql(f"LOCK TABLE {_weeks.name}, {_topic_weeks.name} IN EXCLUSIVE MODE")
    for weeks, days, keys in ((_weeks, _days, REQUEST_KEYS), (_topic_weeks, _topic_days, TOPIC_KEYS)):
        conn.execute(delete(weeks))
        totals: Counter[tuple[Any, ...]] = Counter()
        columns = [days.c.day, *(days.c[k] for k in keys[1:]), days.c.n]
        for row in conn.execute(select(*columns)):
            totals[(monday(row[0]), *row[1:-1])] += int(row[-1])
        rows = [{**dict(zip(keys, key, strict=True)), "n": n} for key, n in sorted(totals.items()) if n]
        for i in range(0, len(rows), BATCH):
            conn.execute(insert(weeks), rows[i : i + BATCH])


def _scope(column: Any, scope: Sequence[str] | None) -> list[Any]:
    return [] if scope is None else [column.in_(list(scope))]


def period_counts(
    conn: Connection, mondays: Sequence[date], today: date, scope: Sequence[str] | None
) -> tuple[Counter[tuple[int, str]], Counter[tuple[int, str]], list[tuple[str, int]]]:
    """For the weeks beginning at `mondays` (ascending, consecutive) up to `today`: requests per
    (week index, service), per (week index, station id), and problem reports per category, most
    first. PostgreSQL groups the week rows in one pass (GROUPING SETS); elsewhere they are added
    up here."""
    w = _weeks.c
    where = [w.week >= mondays[0], w.week <= mondays[-1], *_scope(w.station_id, scope)]
    index = {week: i for i, week in enumerate(mondays)}
    by_service: Counter[tuple[int, str]] = Counter()
    by_station: Counter[tuple[int, str]] = Counter()
    cats: Counter[str] = Counter()
    if conn.dialect.name == "postgresql":
        marker = func.grouping(w.week, w.service, w.station_id, w.category)
        for mark, week, service, station_id, category, n in conn.execute(
            select(marker, w.week, w.service, w.station_id, w.category, func.sum(w.n))
            .where(*where)
            .group_by(
                func.grouping_sets(
                    tuple_(w.week, w.service), tuple_(w.week, w.station_id), tuple_(w.service, w.category)
                )
            )
        ):
            if mark == 0b0011:  # (week, service)
                by_service[(index[week], str(service))] += int(n)
            elif mark == 0b0101:  # (week, station)
                by_station[(index[week], str(station_id))] += int(n)
            elif service == "problem_report" and category:
                cats[str(category)] += int(n)
    else:
        for week, station_id, service, category, n in conn.execute(
            select(w.week, w.station_id, w.service, w.category, w.n).where(*where)
        ):
            by_service[(index[week], str(service))] += int(n)
            by_station[(index[week], str(station_id))] += int(n)
            if service == "problem_report" and category:
                cats[str(category)] += int(n)
    d = _days.c
    for day, station_id, service, category, n in conn.execute(  # days of this week after today
        select(d.day, d.station_id, d.service, d.category, d.n).where(
            d.day > today, d.day <= mondays[-1] + timedelta(days=6), *_scope(d.station_id, scope)
        )
    ):
        i = index[monday(day)]
        by_service[(i, str(service))] -= int(n)
        by_station[(i, str(station_id))] -= int(n)
        if service == "problem_report" and category:
            cats[str(category)] -= int(n)
    return (
        +by_service,
        +by_station,
        sorted(((c, n) for c, n in cats.items() if n > 0), key=lambda kv: (-kv[1], kv[0])),
    )


def topic_totals(
    conn: Connection, first: date, today: date, scope: Sequence[str] | None, *, ungrouped: str
) -> dict[str, int]:
    """Distinct requests per grouped topic (labels not starting with `ungrouped`) in the weeks from
    the Monday `first` up to today."""
    _drain(conn)
    t = _topic_weeks.c
    totals: Counter[str] = Counter()
    for topic, n in conn.execute(
        select(t.topic, func.sum(t.n))
        .where(
            t.week >= first,
            t.week <= monday(today),
            ~t.topic.startswith(ungrouped),
            *_scope(t.station_id, scope),
        )
        .group_by(t.topic)
    ):
        totals[str(topic)] += int(n)
    d = _topic_days.c
    for topic, n in conn.execute(  # days of this week after today
        select(d.topic, d.n).where(
            d.day > today,
            d.day < monday(today) + timedelta(days=7),
            ~d.topic.startswith(ungrouped),
            *_scope(d.station_id, scope),
        )
    ):
        totals[str(topic)] -= int(n)
    return {topic: n for topic, n in totals.items() if n > 0}


def topic_requests(conn: Connection, topic: str, stations: Sequence[str] | None) -> int:
    """Work requests carrying `topic`, ever, at `stations` (None: all): the queue's exact total for
    a topic filter, summed from a few hundred week rows instead of counted through request_topics."""
    _drain(conn)
    t = _topic_weeks.c
    where = [t.topic == topic, *_scope(t.station_id, stations)]
    return int(conn.scalar(select(func.coalesce(func.sum(t.n), 0)).where(*where)) or 0)


def _drain(conn: Connection) -> None:
    """Requests still queued for their topic words count before the topic rows are read."""
    from server.services import topic_queue  # here: topic_queue counts through request_rollups

    topic_queue.drain(conn)
