"""Statistics for the console (数据驱动): what residents ask for, how fast the office answers.

- requests per service and per station per week (the hub's local weeks, Monday first);
- median time from arrival to first response (leaving 新) and to close (办结/退回), per service;
- the most frequent problem categories, and the topics of the period (services/topics.py);
- daily check-in rates of living-alone residents (see resident_index.checkin_rates).
Everything is summed from the rollups services/request_rollups.py keeps at push and status-change
time (per-request first-response and close hours for the medians; the weekly counts from their
per-week sums, services/console_weeks.py), so a page neither decrypts nor walks weeks of requests
and their history. Each table also goes out as CSV.

The hub-wide medians are the one part no rollup can sum: an exact median over eight weeks reads
every request's hours (~90,000 rows at 100,000 requests). The page takes them from `MEDIANS`, a
snapshot kept in memory and recomputed in a background thread when a view finds it older than
`MedianSnapshots.fresh` seconds (the view does not wait; it shows the snapshot's time). Only a
cold start or a snapshot older than `stale` seconds is computed in the request. Nothing is written
to the database; a viewer limited to some stations gets their medians computed live (their rows).
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.core.keys import HubKeys
from server.db.models import Station
from server.db.types import assume_utc
from server.services import console_weeks, request_rollups, topics

Timing = tuple[float | None, float | None, int]  # median hours to first response, to close; requests
log = logging.getLogger(__name__)


@dataclass
class Stats:
    weeks: list[date]  # Mondays, oldest first
    by_service: dict[str, list[int]] = field(default_factory=dict)  # service → count per week
    by_station: dict[str, list[int]] = field(default_factory=dict)
    response_hours: dict[str, Timing] = field(default_factory=dict)
    categories: list[tuple[str, int]] = field(default_factory=list)
    words: list[tuple[str, int]] = field(default_factory=list)  # (topic, requests) best first
    medians_at: datetime | None = None  # when the medians were taken (a snapshot may be seconds old)


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
    medians: tuple[datetime, dict[str, Timing]] | None = None,
) -> Stats:
    """The statistics of the `weeks` office weeks up to today; `medians` (taken at, per service)
    instead of computing them here (the route passes the background snapshot, MEDIANS)."""
    now = now or datetime.now(UTC)
    today = assume_utc(now).astimezone(tz).date()
    this_week = today - timedelta(days=today.weekday())
    mondays = [this_week - timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]
    out = Stats(weeks=mondays)
    names = dict(session.execute(select(Station.id, Station.name)).all())
    conn = session.connection()
    by_service, by_station, out.categories = console_weeks.period_counts(conn, mondays, today, scope)
    for counted, table, named in ((by_service, out.by_service, False), (by_station, out.by_station, True)):
        for (i, key), n in counted.items():
            if i >= 0:
                table.setdefault(names.get(key, key) if named else key, [0] * weeks)[i] += n
    if medians is None:
        out.medians_at, out.response_hours = now, response_times(session, mondays[0], today, scope)
    else:
        out.medians_at, out.response_hours = medians
    totals = console_weeks.topic_totals(conn, mondays[0], today, scope, ungrouped=topics.UNGROUPED)
    out.words = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
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


def window(now: datetime, tz: ZoneInfo, weeks: int = 8) -> tuple[date, date]:
    """The office days `compute` covers: the Monday `weeks` - 1 weeks back, and today."""
    today = assume_utc(now).astimezone(tz).date()
    return today - timedelta(days=today.weekday(), weeks=weeks - 1), today


class MedianSnapshots:
    """Hub-wide medians per window, computed off the request path (stale-while-revalidate)."""

    def __init__(self, fresh: float = 30.0, stale: float = 600.0) -> None:
        self.fresh, self.stale = fresh, stale
        self._lock = threading.Lock()
        self._taken: dict[tuple[date, date], tuple[float, datetime, dict[str, Timing]]] = {}
        self._running: set[tuple[date, date]] = set()

    def get(
        self, first: date, last: date, compute: Callable[[], dict[str, Timing]]
    ) -> tuple[datetime, dict[str, Timing]]:
        """The window's medians: the snapshot when there is one not older than `stale` seconds (a
        refresh starts in the background once it is older than `fresh`), else computed now."""
        key = (first, last)
        with self._lock:
            had = self._taken.get(key)
            age = time.monotonic() - had[0] if had else None
            refresh = had is not None and age is not None and age > self.fresh and key not in self._running
            if refresh:
                self._running.add(key)
        if had is not None and age is not None and age <= self.stale:
            if refresh:
                threading.Thread(target=self._refresh, args=(key, compute), daemon=True).start()
            return had[1], had[2]
        return self._take(key, compute)

    def _take(
        self, key: tuple[date, date], compute: Callable[[], dict[str, Timing]]
    ) -> tuple[datetime, dict[str, Timing]]:
        started, at = time.monotonic(), datetime.now(UTC)
        result = compute()
        with self._lock:
            self._taken = {k: v for k, v in self._taken.items() if k == key or k[1] >= key[1]}
            self._taken[key] = (started, at, result)
        return at, result

    def _refresh(self, key: tuple[date, date], compute: Callable[[], dict[str, Timing]]) -> None:
        try:
            self._take(key, compute)
        except Exception:
            log.exception("median snapshot refresh failed")
        finally:
            with self._lock:
                self._running.discard(key)


MEDIANS = MedianSnapshots()


def checkin_days(now: datetime, tz: ZoneInfo, n: int = 14) -> list[date]:
    today = assume_utc(now).astimezone(tz).date()
    return [today - timedelta(days=i) for i in range(n - 1, -1, -1)]
