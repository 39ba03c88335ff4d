"""Statistics counted in the database give the numbers worked out by hand, on SQLite and PostgreSQL
(medians: Python on SQLite, percentile_cont on PostgreSQL)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from server.db.console_models import RequestWeekCount
from server.db.models import RequestHistory
from server.services import console_stats, request_rollups
from tests.console.seeding import NOW, hub_db
from tests.support import pgcluster

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_weekly_counts_and_median_times(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = None
    if backend == "postgresql":
        cluster: pgcluster.PgCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database("statssql")
    db = hub_db(tmp_path, url)
    at = NOW - timedelta(hours=100)
    # First responses after 1, 2 and 4 hours (median 2); closed after 10 and 20 hours (median 15).
    plan = [("problem_report", 1, 10), ("problem_report", 2, 20), ("certificate", 4, None)]
    history = []
    for service, first, close in plan:
        rid = db.add("东山村驿站", service, {}, at=at)
        history.append(
            {
                "request_id": rid,
                "at": at + timedelta(hours=first),
                "actor": "t",
                "from_status": "new",
                "to_status": "received",
            }
        )
        if close:
            history.append(
                {
                    "request_id": rid,
                    "at": at + timedelta(hours=close),
                    "actor": "t",
                    "from_status": "received",
                    "to_status": "done",
                }
            )
    db.add("西岭村驿站", "certificate", {}, at=NOW - timedelta(days=7 * 9))  # older than 8 weeks: not counted
    with db.session() as session:
        # History written behind the status hook's back, as a database from before the rollups
        # holds it: the migration's backfill counts it.
        session.execute(insert(RequestHistory), history)
        request_rollups.rebuild(session.connection(), TZ)
    with db.session() as session:
        stats = console_stats.compute(session, db.keys, TZ, now=NOW)
    this_week = console_stats.week_start(at, TZ)
    i = stats.weeks.index(this_week)
    assert stats.by_service["problem_report"][i] == 2 and stats.by_service["certificate"][i] == 1
    assert sum(stats.by_service["certificate"]) == 1 and "西岭村驿站" not in stats.by_station
    first_h, close_h, n = stats.response_hours["*"]
    assert n == 3 and first_h == pytest.approx(2.0) and close_h == pytest.approx(15.0)
    assert stats.response_hours["problem_report"][:2] == (pytest.approx(1.5), pytest.approx(15.0))
    assert stats.response_hours["certificate"][1] is None


def test_median_snapshot_is_refreshed_behind_the_page() -> None:
    """The hub-wide medians: computed in the request only when there is no snapshot (or it is too
    old); a snapshot older than `fresh` is still shown while a background thread takes the next."""
    taken: list[int] = []

    def compute() -> dict[str, console_stats.Timing]:
        taken.append(len(taken) + 1)
        return {"*": (float(len(taken)), None, len(taken))}

    snaps, day = console_stats.MedianSnapshots(fresh=0.05, stale=60), date(2026, 1, 5)
    assert snaps.get(day, day, compute)[1]["*"][0] == 1 and taken == [1]  # cold: computed now
    assert snaps.get(day, day, compute)[1]["*"][0] == 1 and taken == [1]  # fresh: nothing to do
    time.sleep(0.1)
    assert snaps.get(day, day, compute)[1]["*"][0] == 1  # older: the snapshot now, a refresh behind
    deadline = time.monotonic() + 10
    while len(taken) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    assert snaps.get(day, day, compute)[1]["*"][0] == 2
    too_old = console_stats.MedianSnapshots(fresh=0, stale=0)
    too_old.get(day, day, compute)
    assert too_old.get(day, day, compute)[1]["*"][0] == len(taken)  # past `stale`: computed again


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_weekly_counts_stop_at_today(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The statistics sum week rows (services/console_weeks.py); a paper-ledger date later in the
    current week than the hub's today (a station's calendar ahead) is in its week row but must not
    be counted, exactly as the day rows up to today would count."""
    url = None
    if backend == "postgresql":
        cluster: pgcluster.PgCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database("statsweeks")
    db = hub_db(tmp_path, url)
    now = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # Wednesday 12:00 in Shanghai
    water = {"category": "water_power", "description": "家里停水两天了"}
    db.add("东山村驿站", "problem_report", water, at=now - timedelta(hours=1))
    ahead = {**water, "imported": True, "ledger_date": "2026-11-26"}  # Thursday: after today
    db.add("东山村驿站", "problem_report", ahead, at=now - timedelta(hours=1))
    db.add("东山村驿站", "certificate", {}, at=now - timedelta(days=8))  # last week
    with db.session() as session:
        week_rows = session.execute(
            select(RequestWeekCount.week, func.sum(RequestWeekCount.n)).group_by(RequestWeekCount.week)
        ).all()
        stats = console_stats.compute(session, db.keys, TZ, now=now)
    assert dict(week_rows) == {date(2026, 11, 23): 2, date(2026, 11, 16): 1}  # the rows do hold it
    assert stats.weeks[-2:] == [date(2026, 11, 16), date(2026, 11, 23)]
    assert stats.by_service == {"problem_report": [0] * 7 + [1], "certificate": [0] * 6 + [1, 0]}
    assert stats.by_station == {"东山村驿站": [0] * 6 + [1, 1]}
    assert stats.categories == [("water_power", 1)]
    assert dict(stats.words)["供水排水"] == 1
