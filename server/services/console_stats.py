"""Statistics for the console (数据驱动): what residents ask for, how fast the office answers.

- requests per service and per station per week (the hub's local weeks, Monday first);
- median time from arrival to first response (leaving 新) and to close (办结/退回), per service;
- the most frequent problem categories, and the topics of the period (services/topics.py);
- daily check-in rates of living-alone residents (see resident_index.checkin_rates).
Everything is summed from the rollups services/request_rollups.py keeps at push and status-change
time (per-day counts; per-request first-response and close hours for the medians), so a page
neither decrypts nor walks weeks of requests and their history. Each table also goes out as CSV.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.core.keys import HubKeys
from server.db.models import Station
from server.db.types import assume_utc
from server.services import request_rollups, topics

Timing = tuple[float | None, float | None, int]  # median hours to first response, to close; requests


@dataclass
class Stats:
    weeks: list[date]  # Mondays, oldest first
    by_service: dict[str, list[int]] = field(default_factory=dict)  # service → count per week
    by_station: dict[str, list[int]] = field(default_factory=dict)
    response_hours: dict[str, Timing] = field(default_factory=dict)
    categories: list[tuple[str, int]] = field(default_factory=list)
    words: list[tuple[str, int]] = field(default_factory=list)  # (topic, requests) best first


def week_start(at: datetime, tz: ZoneInfo) -> date:
    day = assume_utc(at).astimezone(tz).date()
    return day - timedelta(days=day.weekday())


def compute(
    session: Session,
    keys: HubKeys,
    tz: ZoneInfo,
    *,
    weeks: int = 8,
    scope: Sequence[str] | None = None,
    now: datetime | None = None,
) -> Stats:
    now = now or datetime.now(UTC)
    today = assume_utc(now).astimezone(tz).date()
    this_week = today - timedelta(days=today.weekday())
    mondays = [this_week - timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]
    out = Stats(weeks=mondays)
    names = dict(session.execute(select(Station.id, Station.name)).all())
    conn = session.connection()
    for by, table in (("service", out.by_service), ("station_id", out.by_station)):
        for (i, key), (n, _closed) in request_rollups.counts_by(
            conn, mondays[0], today, mondays, scope, by
        ).items():
            name = names.get(key, key) if by == "station_id" else key
            table.setdefault(name, [0] * weeks)[i] += n
    out.response_hours = response_times(session, mondays[0], today, scope)
    out.categories = request_rollups.categories(conn, mondays[0], today, scope)
    out.words = sorted(
        topics.count_by_topic(session, mondays[0], today, scope).items(), key=lambda kv: (-kv[1], kv[0])
    )[:20]
    return out


def response_times(
    session: Session, first: date, last: date, scope: Sequence[str] | None = None
) -> dict[str, Timing]:
    """Per service and overall ("*"): median hours to first response and to close, and how many
    requests the office days [first, last] hold. PostgreSQL takes the medians itself
    (percentile_cont); elsewhere they are taken here from the per-request hours."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return {
            "*" if service is None else service: (a, b, n)
            for service, n, a, b in request_rollups.median_timings(conn, first, last, scope)
        }
    firsts: dict[str, list[float]] = defaultdict(list)
    closes: dict[str, list[float]] = defaultdict(list)
    counts: Counter[str] = Counter()
    for service, first_h, close_h in request_rollups.timings(conn, first, last, scope):
        counts[service] += 1
        for bucket, hours in ((firsts, first_h), (closes, close_h)):
            if hours is not None:
                bucket[service].append(hours)
                bucket["*"].append(hours)
    if counts:
        counts["*"] = sum(counts.values())
    return {
        s: (
            statistics.median(firsts[s]) if firsts[s] else None,
            statistics.median(closes[s]) if closes[s] else None,
            counts[s],
        )
        for s in counts
    }


def checkin_days(now: datetime, tz: ZoneInfo, n: int = 14) -> list[date]:
    today = assume_utc(now).astimezone(tz).date()
    return [today - timedelta(days=i) for i in range(n - 1, -1, -1)]
