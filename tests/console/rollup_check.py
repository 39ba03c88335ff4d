"""An independent recount of the console rollups (services/request_rollups.py) in plain SQL.

Counted from the stored rows themselves — `requests` (receipt time, current status), the status
history, the per-request facts and topic words, check-in days and residents' living-alone marks —
with the office day worked out by the database
(PostgreSQL `timezone()`; SQLite adds the fixed +8 h of Asia/Shanghai, which has no summer time),
then compared with what the hooks kept, row for row (the queue's per-status totals and the
statistics' week rows too).
Paper-ledger imports count on their ledger date, which only the test that imported them knows
(`ledger_days`). No pushed request may still wait for its topic words (services/topic_queue.py):
the caller first reads the topic figures as the console does, which counts them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, text

TZ_NAME = "Asia/Shanghai"


def _stations(sql: str, station_ids: Sequence[str]) -> Any:
    return text(sql).bindparams(bindparam("stations", list(station_ids), expanding=True))


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands plain SQL timestamps back as text
        value = datetime.fromisoformat(value)
    at: datetime = value
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def recount(
    conn: Connection, station_ids: Sequence[str], ledger_days: dict[str, date] | None = None
) -> dict[str, Any]:
    """What the rollup tables should hold for these stations, counted from scratch."""
    ledger_days = ledger_days or {}
    if conn.dialect.name == "postgresql":
        day_sql = f"CAST(timezone('{TZ_NAME}', r.received_at) AS DATE)"
    else:
        day_sql = "date(r.received_at, '+8 hours')"
    rows = conn.execute(
        _stations(
            f"""
            SELECT r.id, r.station_id, r.service, r.status, {day_sql} AS day, r.received_at,
                   COALESCE(f.category, '') AS category,
                   (SELECT MIN(h.at) FROM request_history h
                     WHERE h.request_id = r.id AND h.from_status = 'new') AS first_at,
                   (SELECT MIN(h.at) FROM request_history h
                     WHERE h.request_id = r.id AND h.to_status IN ('done', 'rejected')) AS closed_at
              FROM requests r LEFT JOIN request_facts f ON f.request_id = r.id
             WHERE r.kind IN ('service_request', 'help_call') AND r.station_id IN :stations
            """,
            station_ids,
        )
    ).all()
    stats: dict[str, tuple[Any, ...]] = {}
    days: dict[tuple[Any, ...], list[int]] = {}
    statuses: Counter[tuple[Any, ...]] = Counter()
    day_of: dict[str, date] = {}
    for r in rows:
        day = ledger_days.get(r.id) or _day(r.day)
        day_of[r.id] = day
        stats[r.id] = (r.station_id, r.service, r.category, day, _aware(r.first_at), _aware(r.closed_at))
        counts = days.setdefault((day, r.station_id, r.service, r.category), [0, 0])
        counts[0] += 1
        counts[1] += r.status in ("done", "rejected")
        statuses[(r.station_id, r.service, r.status)] += 1
    topic_requests: dict[tuple[Any, ...], set[str]] = {}
    words: Counter[tuple[Any, ...]] = Counter()
    for rid, station_id, topic, word in conn.execute(
        _stations(
            "SELECT t.request_id, r.station_id, t.topic, t.word FROM request_topics t "
            "JOIN requests r ON r.id = t.request_id WHERE r.station_id IN :stations",
            station_ids,
        )
    ):
        day = day_of[rid]
        topic_requests.setdefault((day, station_id, topic), set()).add(rid)
        if not word.startswith("#"):
            words[(day, station_id, topic, word)] += 1
    checkins = {
        (_day(day), station_id): n
        for day, station_id, n in conn.execute(
            _stations(
                "SELECT c.day, c.station_id, COUNT(*) FROM resident_checkins c JOIN hub_residents h "
                "ON h.station_id = c.station_id AND h.resident_key = c.resident_key "
                "WHERE h.living_alone AND c.station_id IN :stations GROUP BY c.day, c.station_id",
                station_ids,
            )
        )
    }
    weeks: Counter[tuple[Any, ...]] = Counter()  # the week rows: requests by the Monday of their day
    for (day, station_id, service, category), (n, _closed) in days.items():
        weeks[(_monday(day), station_id, service, category)] += n
    topic_weeks: dict[tuple[Any, ...], set[str]] = {}
    for (day, station_id, topic), ids in topic_requests.items():
        topic_weeks.setdefault((_monday(day), station_id, topic), set()).update(ids)
    return {
        "stats": stats,
        "days": {k: tuple(v) for k, v in days.items()},
        "statuses": dict(statuses),
        "topics": {k: len(v) for k, v in topic_requests.items()},
        "words": dict(words),
        "checkins": checkins,
        "weeks": dict(weeks),
        "topic_weeks": {k: len(v) for k, v in topic_weeks.items()},
    }


def _monday(day: date) -> date:
    return date.fromordinal(day.toordinal() - day.weekday())


def stored(conn: Connection, station_ids: Sequence[str]) -> dict[str, Any]:
    """The rollup tables as the hooks left them, in the shape `recount` returns."""
    stats = {
        r.request_id: (
            r.station_id,
            r.service,
            r.category,
            _day(r.day),
            _aware(r.first_response_at),
            _aware(r.closed_at),
        )
        for r in conn.execute(
            _stations("SELECT * FROM request_stats WHERE station_id IN :stations", station_ids)
        )
    }
    days = {
        (_day(r.day), r.station_id, r.service, r.category): (r.n, r.closed)
        for r in conn.execute(
            _stations("SELECT * FROM request_day_counts WHERE station_id IN :stations", station_ids)
        )
    }
    statuses = {
        (r.station_id, r.service, r.status): r.n
        for r in conn.execute(
            _stations(
                "SELECT * FROM request_status_counts WHERE station_id IN :stations AND n <> 0", station_ids
            )
        )
    }
    topics = {
        (_day(r.day), r.station_id, r.topic): r.n
        for r in conn.execute(
            _stations("SELECT * FROM topic_day_counts WHERE station_id IN :stations", station_ids)
        )
    }
    words = {
        (_day(r.day), r.station_id, r.topic, r.word): r.n
        for r in conn.execute(
            _stations("SELECT * FROM topic_word_day_counts WHERE station_id IN :stations", station_ids)
        )
    }
    checkins = {
        (_day(r.day), r.station_id): r.n
        for r in conn.execute(
            _stations(
                "SELECT * FROM checkin_day_counts WHERE station_id IN :stations AND n <> 0", station_ids
            )
        )
    }
    weeks = {
        (_day(r.week), r.station_id, r.service, r.category): r.n
        for r in conn.execute(
            _stations("SELECT * FROM request_week_counts WHERE station_id IN :stations", station_ids)
        )
    }
    topic_weeks = {
        (_day(r.week), r.station_id, r.topic): r.n
        for r in conn.execute(
            _stations("SELECT * FROM topic_week_counts WHERE station_id IN :stations", station_ids)
        )
    }
    return {
        "stats": stats,
        "days": days,
        "statuses": statuses,
        "topics": topics,
        "words": words,
        "checkins": checkins,
        "weeks": weeks,
        "topic_weeks": topic_weeks,
    }


def hours(conn: Connection, station_ids: Sequence[str]) -> dict[str, tuple[float | None, float | None]]:
    """request id → (first-response hours, close hours) as stored for the medians."""
    return {
        r.request_id: (r.first_h, r.close_h)
        for r in conn.execute(
            _stations(
                "SELECT request_id, first_h, close_h FROM request_stats WHERE station_id IN :stations",
                station_ids,
            )
        )
    }


def assert_rollups_match(
    conn: Connection, station_ids: Sequence[str], ledger_days: dict[str, date] | None = None
) -> dict[str, Any]:
    queued = conn.execute(
        _stations("SELECT COUNT(*) FROM topic_queue WHERE station_id IN :stations", station_ids)
    ).scalar()
    # Pushed requests wait for their topic words (server/services/topic_queue.py): a test reads the
    # topic figures through the console first (which segments them), or the topics are not checked.
    assert queued == 0, f"{queued} pushed request(s) still queued for their topic words"
    want, have = recount(conn, station_ids, ledger_days), stored(conn, station_ids)
    for part in ("stats", "days", "statuses", "topics", "words", "checkins", "weeks", "topic_weeks"):
        assert have[part] == want[part], (part, _diff(have[part], want[part]))
    return want


def _diff(have: dict[Any, Any], want: dict[Any, Any]) -> list[Any]:
    keys = set(have) | set(want)
    return [(k, have.get(k), want.get(k)) for k in sorted(keys, key=str) if have.get(k) != want.get(k)][:10]
