"""The statistics rollups equal a from-scratch recount (tests/console/rollup_check.py) on SQLite and
PostgreSQL: after pushes, after staff status changes and (re)assignments, after a paper-ledger
status is applied, after the migration's backfill and after `yizhan-hub reindex`; and the pages'
figures (weekly counts, medians, topics) are the ones the recount gives."""

from __future__ import annotations

import statistics
import threading
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import delete, select

from server.db.console_models import (
    CheckinDayCount,
    RequestDayCount,
    RequestStats,
    RequestStatusCount,
    RequestWeekCount,
    TopicDayCount,
    TopicWeekCount,
    TopicWordDayCount,
)
from server.db.migrate import alembic_config, upgrade
from server.db.models import RequestHistory, ServiceRequest
from server.services import (
    console_requests,
    console_stats,
    ledger_intake,
    request_rollups,
    resident_index,
    topics,
)
from server.services.resident_index import Pushed, index_pushed
from tests.console.rollup_check import assert_rollups_match, hours
from tests.console.seeding import NOW, HubDb, hub_db
from tests.support import pgcluster

TZ = ZoneInfo("Asia/Shanghai")
LEDGER_DAY = date(2025, 3, 18)
WATER = ["楼上漏水把天花板泡了", "下水道堵塞，院子里都是积水", "家里停水两天了"]
ROADS = ["路灯不亮了，晚上走路怕摔", "路面坑洼很多"]
ALONE = {"id": "res-a", "name": "王秀英", "living_alone": True}
NOT_ALONE = {"id": "res-b", "name": "赵德明", "living_alone": False}


def _db(backend: str, tmp_path: Path, request: pytest.FixtureRequest, name: str) -> HubDb:
    url = None
    if backend == "postgresql":
        cluster: pgcluster.PgCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database(name)
    return hub_db(tmp_path, url)


def _seed(db: HubDb) -> dict[str, str]:
    """Requests over five office days at two stations; returns a name → request id map."""
    ids: dict[str, str] = {}
    for k, days_ago in enumerate((0, 1, 3, 9, 20)):
        at = NOW - timedelta(days=days_ago, hours=k)
        for i, text in enumerate(WATER):
            ids[f"water{k}{i}"] = db.add(
                "东山村驿站", "problem_report", {"category": "water_power", "description": text}, at=at
            )
        for i, text in enumerate(ROADS):
            ids[f"road{k}{i}"] = db.add(
                "西岭村驿站", "problem_report", {"category": "road_light", "description": text}, at=at
            )
        ids[f"cert{k}"] = db.add("东山村驿站", "certificate", {}, at=at)
        db.add("东山村驿站", "daily_checkin", {}, kind="daily_checkin", at=at)  # not work: never counted
    for days_ago in (0, 1, 3):  # check-ins: one resident living alone, one not (yet)
        at = NOW - timedelta(days=days_ago)
        db.add("东山村驿站", "daily_checkin", {}, kind="daily_checkin", resident=ALONE, at=at)
        if days_ago < 3:
            db.add("东山村驿站", "daily_checkin", {}, kind="daily_checkin", resident=NOT_ALONE, at=at)
    ids["help"] = db.add("西岭村驿站", "help_call", {}, kind="help_call", at=NOW - timedelta(minutes=5))
    fields = {
        "imported": True,
        "ledger_date": LEDGER_DAY.isoformat(),
        "ledger_status": "done",
        "ledger_reply": "已修好",
        "category": "road_light",
        "description": "村口路灯不亮了",
    }
    ids["ledger"] = db.add("西岭村驿站", "problem_report", fields, at=NOW)
    with db.session() as session:  # what the push hook does next (resident_index.index_opened)
        payload = {"service": "problem_report", "fields": fields}
        sid = db.stations["西岭村驿站"]
        assert ledger_intake.apply(
            session.connection(), db.keys, [Pushed(ids["ledger"], sid, "", payload, NOW, NOW)]
        )
    return ids


def _staff_work(db: HubDb, ids: dict[str, str]) -> None:
    """Staff actions through the console's own service functions."""
    steps = [
        ("receive", "water00"),
        ("progress", "water01"),
        ("close", "water01"),
        ("close", "water10"),  # new → done in one step: first response and close together
        ("reject", "road00"),
        ("receive", "road31"),
        ("close", "road31"),
        ("close", "help"),
    ]
    for action, name in steps:
        with db.session() as session:
            text = "已处理" if action in ("close", "reject") else None
            console_requests.act(session, db.keys, ids[name], action, text, "staff:zhang")
    for dept, name in (
        ("水务站", "water02"),
        ("城建办", "water02"),
        ("城建办", "cert3"),
        ("民政办", "cert3"),
    ):
        with db.session() as session:  # assigned, then reassigned: only the first leaves `new`
            console_requests.assign(session, db.keys, ids[name], dept, None, "staff:li")
    with db.session() as session:
        console_requests.act(session, db.keys, ids["cert3"], "close", "办好了", "staff:li")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_rollups_equal_a_recount_through_changes_backfill_and_reindex(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _db(backend, tmp_path, request, "rollups")
    ids = _seed(db)
    stations = list(db.stations.values())
    ledger = {ids["ledger"]: LEDGER_DAY}
    with db.session() as session:
        assert_rollups_match(session.connection(), stations, ledger)
        # Indexing a stored request again (a retried hook, a reindex) never counts it twice.
        payload = {
            "service": "problem_report",
            "fields": {"category": "water_power", "description": WATER[0]},
        }
        again = Pushed(ids["water00"], db.stations["东山村驿站"], "service_request", payload, NOW, NOW)
        index_pushed(session.connection(), db.keys, [again, again], TZ)
        assert_rollups_match(session.connection(), stations, ledger)
    _staff_work(db, ids)
    with db.session() as session:
        conn = session.connection()
        want = assert_rollups_match(conn, stations, ledger)
        # The paper ledger's status and reply, as a step by "paper ledger"; no office timing.
        led = session.get(ServiceRequest, ids["ledger"])
        assert led is not None and led.status == "done" and led.reply_enc is not None
        assert db.keys.decrypt_json(led.reply_enc, f"requests/reply/{led.id}") == "已修好"
        actors = session.scalars(select(RequestHistory.actor).where(RequestHistory.request_id == led.id))
        assert list(actors) == ["paper ledger"]
        assert want["stats"][led.id][3] == LEDGER_DAY and hours(conn, stations)[led.id] == (None, None)
        # Hand-known: today's three water reports at 东山村驿站 are one topic, three requests.
        today = NOW.astimezone(TZ).date()
        assert want["topics"][(today, db.stations["东山村驿站"], "供水排水")] == 3
        closed = sum(c for (_d, _s, _svc, _cat), (_n, c) in want["days"].items())
        assert closed == 7  # water01, water10, road00, road31, help, cert3 and the ledger one

        # The pages read these: the weekly counts and medians are the recount's.
        stats = console_stats.compute(session, db.keys, TZ, now=NOW)
        stored_hours = [h for h in hours(conn, stations).values()]
        firsts = [f for f, _c in stored_hours if f is not None]
        assert stats.response_hours["*"][0] == pytest.approx(statistics.median(firsts))
        in_window = [s for s in want["stats"].values() if s[3] >= stats.weeks[0]]
        assert stats.response_hours["*"][2] == len(in_window)
        assert sum(map(sum, stats.by_service.values())) == len(in_window)
        water = {t.label: t for t in topics.analyse(session, last_day=today)}["供水排水"]
        recent = [k for k, v in want["topics"].items() if k[2] == "供水排水" and (today - k[0]).days < 7]
        assert water.count == sum(want["topics"][k] for k in recent) == 9  # days 0, 1 and 3

    # Living-alone marks change with a newer snapshot (an older one changes nothing): the check-in
    # days move with the resident.
    east, today = db.stations["东山村驿站"], NOW.astimezone(TZ).date()
    db.add("东山村驿站", "pension_inquiry", {}, resident={**NOT_ALONE, "living_alone": True}, at=NOW)
    db.add(
        "东山村驿站",
        "pension_inquiry",
        {},
        resident={**ALONE, "living_alone": False},
        at=NOW - timedelta(days=40),
    )
    with db.session() as session:
        want = assert_rollups_match(session.connection(), stations, ledger)
        assert want["checkins"][(today, east)] == 2
        rates = resident_index.checkin_rates(session, None, [today])
        assert rates["东山村驿站"][today] == 1.0
    db.add("东山村驿站", "pension_inquiry", {}, resident={**ALONE, "living_alone": False}, at=NOW)
    with db.session() as session:
        conn = session.connection()
        want = assert_rollups_match(conn, stations, ledger)
        assert want["checkins"][(today, east)] == 1
        request_rollups.rebuild(conn, TZ)  # the backfill from the stored tables gives the same
        assert_rollups_match(conn, stations, ledger)

    # The real migration path: back to 0005 (no rollups), then up again with its backfill. The
    # ledger date lives only in the sealed payload, so the backfill counts that one on its hub day …
    with db.engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    upgrade(db.engine)
    with db.session() as session:
        assert_rollups_match(session.connection(), stations)
    # … until `yizhan-hub reindex` reads it again.
    assert db.cli("reindex")[0] == 0
    with db.session() as session:
        assert_rollups_match(session.connection(), stations, ledger)


def test_concurrent_pushes_count_every_request_once(
    tmp_path: Path, postgres_cluster: pgcluster.PgCluster
) -> None:
    """Pushes touching the same day rows in opposite orders neither deadlock nor lose a count."""
    db = hub_db(tmp_path, postgres_cluster.create_database("rollupsrace"))
    sid = db.station("东山村驿站")
    pushes: list[list[Pushed]] = []
    for n in range(8):
        batch = []
        for k in range(4):
            at = NOW - timedelta(days=k)
            fields = {"category": "other", "description": WATER[k % 3] + ROADS[k % 2]}
            rid = db.add("东山村驿站", "problem_report", fields, at=at)
            batch.append(
                Pushed(rid, sid, "service_request", {"service": "problem_report", "fields": fields}, at, at)
            )
        pushes.append(batch if n % 2 else batch[::-1])
    with db.session() as session:  # forget the counts: the concurrent pushes below make them again
        for model in (
            RequestStats,
            RequestDayCount,
            RequestStatusCount,
            TopicDayCount,
            TopicWordDayCount,
            CheckinDayCount,
            RequestWeekCount,
            TopicWeekCount,
        ):
            session.execute(delete(model))
    errors: list[BaseException] = []
    start = threading.Barrier(len(pushes))

    def push(batch: list[Pushed]) -> None:
        try:
            with db.session() as session:
                start.wait(30)
                index_pushed(session.connection(), db.keys, batch, TZ)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=push, args=(b,)) for b in pushes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    with db.session() as session:
        want = assert_rollups_match(session.connection(), [sid])
    assert sum(n for n, _c in want["days"].values()) == 32
