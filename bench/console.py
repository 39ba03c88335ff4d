"""Console benchmark: every console page with 100,000 requests and 20,000 residents at the hub.

Starts a throwaway PostgreSQL cluster (or SQLite with --db sqlite) and a real hub (uvicorn) on
loopback, and fills it the way pushes do: N work requests from 40 stations over 60 days
(encrypted payloads, a realistic mix of services, statuses, descriptions and help calls, staff
history on a third of them), R residents (30% living alone) and their daily check-ins for the last
14 days — each batch indexed by the same push-time hook (resident_index.index_pushed), so residents,
check-in days and topic words are there as after real pushes. Then it logs in as an admin and times
every page: queue (a rotation of filters, one of them 1,950 rows deep through the "next" link's
cursor), a request, check-ins, warnings, slots, statistics, topics, audit, and the weekly and
monthly report (Excel). For each page it reads the hub's own `Server-Timing` (time inside the app,
rendering included) and the client's wall time. It also times each page's service calls on a
direct connection (the bare-SQL baseline, no HTTP or template), and the statistics' exact hub-wide
medians computed live (what the page's background snapshot costs each time it is refreshed).
Prints a table (stderr: each page's p50/p95 beside its goal and the baseline, with the load
average before and after) and one JSON object (stdout).

    .venv/bin/python bench/console.py [--requests 100000] [--residents 20000] [--rounds 30]
        [--db postgresql|sqlite]

Goals: every page p95 ≤ 200 ms (server time); a weekly report ≤ 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from server.console import audit_words
from server.core.db import make_engine, session_factory, transaction
from server.core.keys import HubKeys, load_key_file
from server.db.console_models import ConsoleAudit
from server.db.models import AppointmentSlot, EnvelopeRow, RequestHistory, ServiceRequest, Station
from server.services import (
    console_audit,
    console_checkins,
    console_slots,
    console_stats,
    console_warnings,
    request_rollups,
    resident_index,
    topics,
)
from server.services.console_queue import (
    WORK_KINDS,
    Cursor,
    Deadlines,
    QueueFilter,
    load_queue,
    open_help_calls,
)
from server.services.records import payload_aad
from server.services.resident_index import Pushed, index_pushed, office_tz
from server.services.staff import add_user
from tests.support.hubproc import init_hub, running_hub
from tests.support.pgcluster import pg_cluster

SERVICES = ["problem_report"] * 4 + ["subsidy_application", "certificate", "pension_inquiry", "appointment"]
STATUSES = ["new"] * 3 + ["received", "in_progress"] + ["done"] * 4 + ["rejected"]
DESCRIPTIONS = [
    "路灯不亮了，晚上走路怕摔",
    "村口路灯坏了好几天",
    "下水道堵塞，院子里都是积水",
    "楼上漏水把天花板泡了",
    "家里停水两天了",
    "垃圾桶满了没人清运",
    "广场舞音响噪音太大",
    "高龄津贴什么时候发",
    "低保申请需要什么材料",
    "医保报销要带什么",
    "隔壁违章搭建挡了路",
    "路面坑洼很多",
    "电线老化怕着火",
    "公交站太远了",
    "邻居吵架好几天",
    "独居老人没人照顾",
    "井盖松了很危险",
    "自来水水压太低",
    "养老金到账了吗",
    "楼道里堆满杂物",
]
PASSWORD = "bench-password-1"
CATEGORIES = ["road_light", "water_power", "sanitation", "safety", "neighbours", "other"]


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tempfile.mkdtemp(prefix='yizhan-bench-console-')}/hub.sqlite3"
        return
    with pg_cluster() as cluster:
        yield cluster.create_database("consolebench")


def _store(sessions: Any, keys: HubKeys, rows: list[dict[str, Any]]) -> None:
    """Store requests as a push does (ledger + encrypted request) and index them with the push hook."""
    envs, reqs, pushed = [], [], []
    for r in rows:
        envs.append(
            {
                "id": r["id"],
                "station_id": r["sid"],
                "kind": r["kind"],
                "station_seq": r["seq"],
                "content_sha256": "0" * 64,
                "station_created_at": r["at"],
                "received_at": r["at"],
            }
        )
        reqs.append(
            {
                "id": r["id"],
                "station_id": r["sid"],
                "kind": r["kind"],
                "service": r["payload"]["service"],
                "receipt_code": r["payload"]["receipt_code"],
                "status": r["status"],
                "payload_enc": keys.encrypt_json(r["payload"], payload_aad(r["id"])),
                "station_created_at": r["at"],
                "received_at": r["at"],
                "updated_at": r["at"],
            }
        )
        pushed.append(Pushed(r["id"], r["sid"], r["kind"], r["payload"], r["at"], r["at"], r["status"]))
    with transaction(sessions) as session:
        session.execute(insert(EnvelopeRow), envs)
        session.execute(insert(ServiceRequest), reqs)
        index_pushed(session.connection(), keys, pushed)
        # Staff history written straight into the table, behind the status hook: `seed` then runs
        # the rollups' backfill (the migration's), timed, which reads it back.
        history = [
            {
                "request_id": r["id"],
                "at": r["at"] + timedelta(hours=r["rng"].uniform(1, 72)),
                "actor": "staff:x",
                "from_status": "new",
                "to_status": r["status"],
            }
            for r in rows
            if r["status"] != "new" and r["kind"] != "daily_checkin"
        ]
        if history:
            session.execute(insert(RequestHistory), history)


def seed(db_url: str, home: Path, n: int, n_residents: int, n_stations: int = 40) -> dict[str, Any]:
    keys = load_key_file(home / "hub-keys.json")
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    rng = random.Random(7)
    now = datetime.now(UTC)
    station_ids = [str(uuid.uuid4()) for _ in range(n_stations)]
    residents = [
        {
            "id": f"r{i}",
            "name": f"居民{i}",
            "phone": f"139{i:08d}",
            "address": f"{i % 90}组",
            "living_alone": rng.random() < 0.3,
            "station": station_ids[i % n_stations],
        }
        for i in range(n_residents)
    ]
    with transaction(sessions) as session:
        session.execute(
            insert(Station),
            [
                {"id": sid, "name": f"驿站{i:02d}", "created_at": now, "enrolled_at": now}
                for i, sid in enumerate(station_ids)
            ],
        )
        add_user(session, "bench", "admin", PASSWORD)
        slots = [
            AppointmentSlot(
                service="appointment",
                option="health_check",
                capacity=5,
                booked=0,
                starts_at=now + timedelta(days=d, hours=2),
                ends_at=now + timedelta(days=d, hours=4),
            )
            for d in range(1, 41)
        ]
        session.add_all(slots)
        session.flush()
        slot_ids = [s.id for s in slots]
        session.execute(
            insert(ConsoleAudit),
            [
                {
                    "at": now - timedelta(minutes=i),
                    "user_id": 1,
                    "username": "bench",
                    "action": "view_request",
                    "target": f"request:{uuid.uuid4()}",
                    "detail": "submission",
                }
                for i in range(20_000)
            ],
        )
    seq = 0
    batch: list[dict[str, Any]] = []
    for i in range(n):
        resident = residents[rng.randrange(n_residents)]
        sid = resident["station"]
        at = now - timedelta(seconds=rng.uniform(0, 60 * 86400))
        kind = "help_call" if rng.random() < 0.002 else "service_request"
        service = "help_call" if kind == "help_call" else rng.choice(SERVICES)
        fields: dict[str, Any] = {}
        if service == "problem_report":
            fields = {"category": rng.choice(CATEGORIES), "description": rng.choice(DESCRIPTIONS)}
        elif service == "appointment" and rng.random() < 0.02:  # ~250 bookings on 40 upcoming slots
            fields = {"appointment_service": "health_check", "slot": rng.choice(slot_ids)}
        seq += 1
        batch.append(
            {
                "id": str(uuid.uuid4()),
                "sid": sid,
                "kind": kind,
                "seq": seq,
                "at": at,
                "rng": rng,
                "status": rng.choice(STATUSES) if kind != "help_call" or rng.random() < 0.9 else "new",
                "payload": {
                    "service": service,
                    "receipt_code": f"B{i % n_stations:02d}-{i:06d}",
                    "resident": {k: v for k, v in resident.items() if k != "station"},
                    "fields": fields,
                    "created_at": at.isoformat(),
                },
            }
        )
        if len(batch) == 5000:
            _store(sessions, keys, batch)
            batch = []
    checkins = 0
    for resident in residents:  # living-alone residents check in on most of the last 14 days
        if not resident["living_alone"]:
            continue
        habit = rng.random()
        for day in range(14):
            if rng.random() < (0.95 if habit > 0.1 else 0.3):
                seq += 1
                checkins += 1
                at = now - timedelta(days=day, hours=rng.uniform(0, 3))
                batch.append(
                    {
                        "id": str(uuid.uuid4()),
                        "sid": resident["station"],
                        "kind": "daily_checkin",
                        "seq": seq,
                        "at": at,
                        "rng": rng,
                        "status": "done",
                        "payload": {
                            "service": "daily_checkin",
                            "receipt_code": f"C-{seq:07d}",
                            "resident": {k: v for k, v in resident.items() if k != "station"},
                            "fields": {"feeling": "unwell"} if rng.random() < 0.01 else {},
                            "created_at": at.isoformat(),
                        },
                    }
                )
                if len(batch) == 5000:
                    _store(sessions, keys, batch)
                    batch = []
    if batch:
        _store(sessions, keys, batch)
    started = time.perf_counter()
    with transaction(sessions) as session:
        request_rollups.rebuild(session.connection(), office_tz())
    backfill_s = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    with sessions() as session:
        sample = list(
            session.scalars(
                select(ServiceRequest.id).where(ServiceRequest.kind == "service_request").limit(50)
            )
        )
        r = ServiceRequest
        deep = session.execute(  # the row a "next" link 39 pages down continues after
            select(r.received_at, r.station_created_at, r.id)
            .where(r.kind.in_(WORK_KINDS))
            .order_by(r.received_at.desc(), r.station_created_at.desc(), r.id.desc())
            .offset(1949)
            .limit(1)
        ).one()
    engine.dispose()
    return {
        "stations": station_ids,
        "requests": sample,
        "checkins": checkins,
        "backfill_s": backfill_s,
        "deep_cursor": Cursor(deep.received_at, deep.station_created_at, deep.id, 1950).token(),
    }


def filters(station_ids: list[str], deep_cursor: str) -> list[dict[str, str]]:
    return [
        {},  # the default view: every open request, newest first
        {"station": station_ids[3]},
        {"service": "problem_report", "status": "new"},
        {"status": "all", "after": deep_cursor},  # page 40
        {"overdue": "1"},
        {"age": "3d"},
        {"station": station_ids[7], "status": "done", "age": "old"},
        {"topic": "供水排水", "status": "all"},
    ]


def login(url: str) -> requests.Session:
    http = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(url + "/console/login", timeout=10).text)
    assert token
    answer = http.post(
        url + "/console/login",
        data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303, answer.text[:200]
    return http


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": pct(values, 0.5),
        "p95": pct(values, 0.95),
        "max": round(max(values), 2),
        "mean": round(statistics.fmean(values), 2),
    }


def _queue_filter(f: dict[str, str]) -> QueueFilter:
    return QueueFilter(
        station=f.get("station"),
        service=f.get("service"),
        status=f.get("status", "open"),
        age=f.get("age"),
        overdue=f.get("overdue") == "1",
        after=Cursor.parse(f.get("after")),
        topic=f.get("topic"),
    )


def service_calls(
    keys: HubKeys, station_ids: list[str], deep_cursor: str
) -> dict[str, list[Callable[[Session], object]]]:
    """page name → the service-layer calls its view makes (no HTTP, no template), in rotation."""
    tz = office_tz()
    deadlines = Deadlines(timedelta(days=3), timedelta(minutes=30))
    now = datetime.now(UTC)
    today = now.astimezone(tz).date()
    since = datetime.combine(today, datetime.min.time(), tz).astimezone(UTC)
    first, last = console_stats.window(now, tz)
    snapshot: list[tuple[datetime, dict[str, console_stats.Timing]]] = []

    def stats(session: Session) -> object:
        if not snapshot:  # the page's background snapshot, taken once (in the untimed warm-up)
            snapshot.append((now, console_stats.response_times(session, first, last)))
        console_stats.compute(session, keys, tz, now=now, medians=snapshot[0])
        return resident_index.checkin_rates(session, None, console_stats.checkin_days(now, tz))

    def medians_live(session: Session) -> object:
        return console_stats.response_times(session, first, last)

    def warnings(session: Session) -> object:
        console_warnings.load(session, keys, None, tz, now, limit=console_warnings.PAGE_SIZE)
        return open_help_calls(session, None, deadlines, now)

    def audit(session: Session) -> object:
        return audit_words.describe(session, console_audit.recent(session, limit=51))

    return {
        "queue": [
            partial(load_queue, f=_queue_filter(f), deadlines=deadlines)
            for f in filters(station_ids, deep_cursor)
        ],
        "checkins": [lambda s: console_checkins.load(s, keys, None, today)],
        "warnings": [warnings],
        "slots": [lambda s: console_slots.list_slots(s, since)],
        "stats": [stats],
        "stats_medians_live": [medians_live],
        "topics": [lambda s: topics.analyse(s), lambda s: topics.analyse(s, stations=[station_ids[5]])],
        "audit": [audit],
    }


def bare_sql(
    db_url: str, keys: HubKeys, station_ids: list[str], deep_cursor: str, rounds: int
) -> dict[str, dict[str, float]]:
    """Each page's service-layer work on a direct connection: what the database and the services
    cost without HTTP and templates (the baseline the page times compare against)."""
    engine = make_engine(db_url, pool_size=1)
    sessions = session_factory(engine)
    out = {}
    for name, calls in service_calls(keys, station_ids, deep_cursor).items():
        for call in calls:  # warm-up, as for the pages
            with sessions() as session:
                call(session)
        times = []
        for i in range(rounds):
            started = time.perf_counter()
            with sessions() as session:
                calls[i % len(calls)](session)
            times.append((time.perf_counter() - started) * 1000)
        out[name] = summary(times)
    engine.dispose()
    return out


def table(out: dict[str, Any]) -> str:
    """The figures for people: each page's server p50/p95 beside its goal and the bare-SQL baseline."""
    lines = [
        f"load average (1/5/15 min): before {out['load_before']}, after {out['load_average_1_5_15']}",
        f"{'page':<20}{'p50':>8}{'p95':>8}{'goal p95':>10}  {'met':<5}{'bare SQL p50/p95':>18}",
    ]
    for name, result in out["pages"].items():
        server, base = result["server_ms"], out["bare_sql_ms"].get(name)
        baseline = f"{base['p50']:.0f}/{base['p95']:.0f}" if base else "—"
        lines.append(
            f"{name:<20}{server['p50']:>8.0f}{server['p95']:>8.0f}{out['goal_p95_ms'][name]:>10}  "
            f"{'yes' if out['goal_met'][name] else 'NO':<5}"
            f"{baseline:>18}"
        )
    live = out["bare_sql_ms"].get("stats_medians_live")
    if live:
        lines.append(
            f"(stats medians computed live, the background refresh: {live['p50']:.0f}/{live['p95']:.0f})"
        )
    return "\n".join(lines)


def pages(seeded: dict[str, Any]) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """page name → the (path, query) rotation it is timed with."""
    reqs = seeded["requests"]
    return {
        "queue": [("/console/queue", f) for f in filters(seeded["stations"], seeded["deep_cursor"])],
        "request": [(f"/console/requests/{rid}", {}) for rid in reqs[:10]],
        "checkins": [("/console/checkins", {})],
        "warnings": [("/console/warnings", {}), ("/console/warnings", {"station": seeded["stations"][2]})],
        "slots": [("/console/slots", {})],
        "stats": [("/console/stats", {})],
        "topics": [("/console/topics", {}), ("/console/topics", {"station": seeded["stations"][5]})],
        "audit": [("/console/audit", {})],
        "report_week_xlsx": [("/console/reports/week.xlsx", {})],
        "report_month_xlsx": [("/console/reports/month.xlsx", {})],
    }


def time_page(
    http: requests.Session, url: str, rotation: list[tuple[str, dict[str, str]]], rounds: int
) -> dict[str, Any]:
    for path, query in rotation:  # warm-up: connection pool, template cache, planner
        answer = http.get(url + path, params=query, timeout=120)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    server, wall = [], []
    for i in range(rounds):
        path, query = rotation[i % len(rotation)]
        started = time.perf_counter()
        answer = http.get(url + path, params=query, timeout=120)
        wall.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
        server.append(float(answer.headers["server-timing"].split("dur=")[1].split(",")[0].split(";")[0]))
    return {"server_ms": summary(server), "wall_ms": summary(wall)}


class _Clock:
    """Time one request spends in SQL (cursor executes: psycopg's client-side cursors take the whole
    result there, so this is the database's time plus the transfer) and in Jinja2 rendering."""

    def __init__(self) -> None:
        self.sql = self.render = 0.0
        self.queries = 0
        self.started: list[float] = []

    def reset(self) -> None:
        self.sql = self.render = 0.0
        self.queries = 0


def profile(held: dict[str, Any], rounds: int) -> dict[str, dict[str, float]]:
    """Each page in-process (the app behind a TestClient, no uvicorn): p50/p95 of the total, and the
    median split into SQL (cursor executes), Jinja2 rendering and the rest (Python: routes,
    services, charts, auth)."""
    import jinja2
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from server.core.config import load_settings
    from server.main import create_app

    clock = _Clock()
    app = create_app(load_settings(held["home"], held["db"]))
    engine = app.state.hub.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(*_args: Any) -> None:
        clock.started.append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(*_args: Any) -> None:
        clock.sql += time.perf_counter() - clock.started.pop()
        clock.queries += 1

    plain_render = jinja2.Template.render

    def timed_render(self: jinja2.Template, *args: Any, **kwargs: Any) -> str:
        started = time.perf_counter()
        try:
            return plain_render(self, *args, **kwargs)
        finally:
            clock.render += time.perf_counter() - started

    jinja2.Template.render = timed_render  # type: ignore[method-assign]
    out: dict[str, dict[str, float]] = {}
    with TestClient(app) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/login").text)
        assert token
        client.post(
            "/console/login",
            data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        for name, rotation in pages(held).items():
            if name.startswith("report"):
                continue
            for path, query in rotation:
                assert client.get(path, params=query).status_code == 200
            total, sql, render, queries = [], [], [], []
            for i in range(rounds):
                path, query = rotation[i % len(rotation)]
                clock.reset()
                started = time.perf_counter()
                client.get(path, params=query)
                total.append((time.perf_counter() - started) * 1000)
                sql.append(clock.sql * 1000)
                render.append(clock.render * 1000)
                queries.append(float(clock.queries))
            out[name] = {
                "p50": pct(total, 0.5),
                "p95": pct(total, 0.95),
                "sql_p50": pct(sql, 0.5),
                "render_p50": pct(render, 0.5),
                "python_p50": round(pct(total, 0.5) - pct(sql, 0.5) - pct(render, 0.5), 2),
                "queries": pct(queries, 0.5),
            }
    jinja2.Template.render = plain_render  # type: ignore[method-assign]
    return out


def profile_table(out: dict[str, dict[str, float]]) -> str:
    lines = [
        f"load average (1/5/15 min): {[round(x, 1) for x in os.getloadavg()]}",
        f"{'page':<12}{'p50':>7}{'p95':>7}{'SQL':>7}{'render':>8}{'python':>8}{'queries':>9}",
    ]
    for name, v in out.items():
        lines.append(
            f"{name:<12}{v['p50']:>7.0f}{v['p95']:>7.0f}{v['sql_p50']:>7.0f}{v['render_p50']:>8.0f}"
            f"{v['python_p50']:>8.0f}{v['queries']:>9.0f}"
        )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--residents", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument(
        "--hold",
        action="store_true",
        help="after seeding, print the database URL and hub home and wait (for EXPLAIN by hand); Ctrl-C ends",
    )
    ap.add_argument(
        "--attach",
        metavar="HELD.json",
        help="no seeding: time the pages on the database a --hold run printed (its JSON line in this "
        "file), e.g. before and after a change on the same rows; --requests/--residents are not used",
    )
    ap.add_argument(
        "--profile",
        metavar="HELD.json",
        help="no seeding: split each page's server time (SQL, template, other Python) on the database "
        "a --hold run printed (its JSON line saved to this file)",
    )
    args = ap.parse_args()
    if args.profile:
        held = json.loads(Path(args.profile).read_text(encoding="utf-8"))
        print(profile_table(profile(held, args.rounds)), file=sys.stderr)
        return 0
    if args.attach:  # time pages on a database a --hold run seeded (before/after on the same rows)
        held = json.loads(Path(args.attach).read_text(encoding="utf-8"))
        return report(args, held["db"], Path(held["home"]), held, None)
    with database(args.db) as db_url:
        home = Path(tempfile.mkdtemp(prefix="yizhan-bench-console-home-"))
        init_hub(home, db_url)
        t0 = time.perf_counter()
        seeded = seed(db_url, home, args.requests, args.residents)
        seeded_s = time.perf_counter() - t0
        if args.hold:
            print(json.dumps({"db": db_url, "home": str(home), **seeded}, default=str), flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return 0
        return report(args, db_url, home, seeded, seeded_s)


def settle(pid: int, timeout: float = 60.0) -> None:
    """Wait until the hub has finished its start-up work (jieba's dictionary, template compiling,
    in background threads): timings are of a running hub, not of its first seconds. Settled when
    the process used under 50 ms of CPU in half a second."""

    def cpu() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu()
        time.sleep(0.5)
        if cpu() - before < 0.05:
            return


def report(
    args: argparse.Namespace, db_url: str, home: Path, seeded: dict[str, Any], seeded_s: float | None
) -> int:
    """Time every page on a real hub over the seeded database; print the table and the JSON."""
    results: dict[str, Any] = {}
    load_before = [round(x, 1) for x in os.getloadavg()]
    with running_hub(home, db_url) as hub:
        http = login(hub.url)
        assert hub.proc is not None
        settle(hub.proc.pid)
        for name, rotation in pages(seeded).items():
            rounds = args.rounds if not name.startswith("report") else max(5, args.rounds // 3)
            results[name] = time_page(http, hub.url, rotation, rounds)
        sql = bare_sql(
            db_url,
            load_key_file(home / "hub-keys.json"),
            seeded["stations"],
            seeded["deep_cursor"],
            args.rounds,
        )
    goals = {name: (200 if not name.startswith("report") else 5000) for name in results}
    out: dict[str, Any] = {
        "backend": args.db,
        "requests_at_hub": args.requests,
        "residents": args.residents,
        "checkins_seeded": seeded["checkins"],
        "seed_seconds": None if seeded_s is None else round(seeded_s, 1),
        "rollup_backfill_seconds": round(seeded["backfill_s"], 1),
        "load_before": load_before,
        "load_average_1_5_15": [round(x, 1) for x in os.getloadavg()],
        "rounds": args.rounds,
        "pages": results,
        "bare_sql_ms": sql,
        "goal_p95_ms": goals,
        "goal_met": {name: results[name]["server_ms"]["p95"] <= goals[name] for name in results},
    }
    print(table(out), file=sys.stderr)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
