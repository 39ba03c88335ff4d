"""Statistics for the console (数据驱动): what residents ask for, how fast the office answers.

- requests per service and per station per week (the hub's local weeks, Monday first);
- median time from arrival to first response (leaving 新) and to close (办结/退回), per service;
- the most frequent problem categories, and the topics of the period (services/topics.py: jieba
  words grouped into topics at push time, so this page decrypts nothing);
- daily check-in rates of living-alone residents (see resident_index.checkin_rates).
Each table also goes out as CSV.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from server.core.keys import HubKeys
from server.db.console_models import RequestFacts
from server.db.models import RequestHistory, ServiceRequest, Station
from server.db.types import assume_utc
from server.services import topics
from server.services.console_queue import WORK_KINDS


@dataclass
class Stats:
    weeks: list[date]  # Mondays, oldest first
    by_service: dict[str, list[int]] = field(default_factory=dict)  # service → count per week
    by_station: dict[str, list[int]] = field(default_factory=dict)
    response_hours: dict[str, tuple[float | None, float | None, int]] = field(default_factory=dict)
    categories: list[tuple[str, int]] = field(default_factory=list)
    words: list[tuple[str, int]] = field(default_factory=list)  # (topic, requests) best first


def week_start(at: datetime, tz: ZoneInfo) -> date:
    day = assume_utc(at).astimezone(tz).date()
    return day - timedelta(days=day.weekday())


def week_index(column: Any, mondays: Sequence[date], tz: ZoneInfo) -> Any:
    """A SQL expression: which of `mondays`' weeks (0 = oldest) a timestamp falls in, else NULL."""
    starts = [datetime.combine(d, datetime.min.time(), tz).astimezone(UTC) for d in mondays]
    return case(*((column >= start, i) for i, start in reversed(list(enumerate(starts)))), else_=None)


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
    this_week = week_start(now, tz)
    mondays = [this_week - timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]
    since = datetime.combine(mondays[0], datetime.min.time(), tz).astimezone(UTC)
    out = Stats(weeks=mondays)
    names = dict(session.execute(select(Station.id, Station.name)).all())
    where = [ServiceRequest.kind.in_(WORK_KINDS), ServiceRequest.received_at >= since]
    if scope is not None:
        where.append(ServiceRequest.station_id.in_(list(scope)))
    # Counted in the database, one row per (week, service, station): the page never walks requests.
    week = week_index(ServiceRequest.received_at, mondays, tz)
    for i, service, station_id, n in session.execute(
        select(week, ServiceRequest.service, ServiceRequest.station_id, func.count())
        .where(*where)
        .group_by(week, ServiceRequest.service, ServiceRequest.station_id)
    ):
        if i is None:
            continue
        out.by_service.setdefault(service, [0] * weeks)[int(i)] += int(n)
        station = out.by_station.setdefault(names.get(station_id, station_id), [0] * weeks)
        station[int(i)] += int(n)
    out.response_hours = response_times(session, where)
    out.categories = _categories(session, where)
    out.words = sorted(
        topics.count_by_topic(session, since, now + timedelta(seconds=1), scope).items(),
        key=lambda kv: (-kv[1], kv[0]),
    )[:20]
    return out


def response_times(session: Session, where: list) -> dict[str, tuple[float | None, float | None, int]]:  # type: ignore[type-arg]
    first = (
        select(RequestHistory.request_id, func.min(RequestHistory.at).label("at"))
        .where(RequestHistory.from_status == "new")
        .group_by(RequestHistory.request_id)
        .subquery()
    )
    closed = (
        select(RequestHistory.request_id, func.min(RequestHistory.at).label("at"))
        .where(RequestHistory.to_status.in_(("done", "rejected")))
        .group_by(RequestHistory.request_id)
        .subquery()
    )
    if session.get_bind().dialect.name == "postgresql":
        return _response_times_pg(session, where)
    rows = session.execute(
        select(ServiceRequest.service, ServiceRequest.received_at, first.c.at, closed.c.at)
        .outerjoin(first, first.c.request_id == ServiceRequest.id)
        .outerjoin(closed, closed.c.request_id == ServiceRequest.id)
        .where(*where)
    ).all()
    firsts: dict[str, list[float]] = defaultdict(list)
    closes: dict[str, list[float]] = defaultdict(list)
    counts: Counter[str] = Counter()
    for service, received, first_at, closed_at in rows:
        counts[service] += 1
        for bucket, at in ((firsts, first_at), (closes, closed_at)):
            if at is not None:
                hours = (at - received).total_seconds() / 3600
                bucket[service].append(max(0.0, hours))
                bucket["*"].append(max(0.0, hours))
    counts["*"] = sum(counts.values())
    return {
        s: (
            statistics.median(firsts[s]) if firsts[s] else None,
            statistics.median(closes[s]) if closes[s] else None,
            counts[s],
        )
        for s in counts
    }


def _response_times_pg(session: Session, where: list) -> dict[str, tuple[float | None, float | None, int]]:  # type: ignore[type-arg]
    """The same medians computed by PostgreSQL in one pass: each request of the period with its
    first response and close (aggregate FILTERs over its own history rows, through the history's
    request_id index), then percentile_cont per service and overall (ROLLUP)."""
    h = RequestHistory

    def hours(at: Any) -> Any:
        # GREATEST skips NULLs (it would turn "not yet answered" into 0 h): keep NULL as NULL.
        return case(
            (at.is_(None), None),
            else_=func.greatest(func.extract("epoch", at - ServiceRequest.received_at) / 3600.0, 0.0),
        )

    per = (
        select(
            ServiceRequest.service.label("service"),
            hours(func.min(h.at).filter(h.from_status == "new")).label("first_h"),
            hours(func.min(h.at).filter(h.to_status.in_(("done", "rejected")))).label("close_h"),
        )
        .select_from(ServiceRequest)
        .outerjoin(h, h.request_id == ServiceRequest.id)
        .where(*where)
        .group_by(ServiceRequest.id, ServiceRequest.service, ServiceRequest.received_at)
        .subquery()
    )
    rows = session.execute(
        select(
            per.c.service,
            func.count(),
            func.percentile_cont(0.5).within_group(per.c.first_h),
            func.percentile_cont(0.5).within_group(per.c.close_h),
        ).group_by(func.rollup(per.c.service))
    ).all()
    out: dict[str, tuple[float | None, float | None, int]] = {}
    for service, n, a, b in rows:
        out["*" if service is None else str(service)] = (
            None if a is None else float(a),
            None if b is None else float(b),
            int(n),
        )
    return out


def _categories(session: Session, where: list) -> list[tuple[str, int]]:  # type: ignore[type-arg]
    rows = session.execute(
        select(RequestFacts.category, func.count())
        .join(ServiceRequest, ServiceRequest.id == RequestFacts.request_id)
        .where(*where, ServiceRequest.service == "problem_report", RequestFacts.category.is_not(None))
        .group_by(RequestFacts.category)
        .order_by(func.count().desc())
    ).all()
    return [(str(c), int(n)) for c, n in rows]


def checkin_days(now: datetime, tz: ZoneInfo, n: int = 14) -> list[date]:
    today = assume_utc(now).astimezone(tz).date()
    return [today - timedelta(days=i) for i in range(n - 1, -1, -1)]
