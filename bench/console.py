"""Console work-queue benchmark: the queue page with 100,000 requests at the hub.

Starts a throwaway PostgreSQL cluster (or SQLite with --db sqlite) and a real hub (uvicorn) on
loopback, fills it with N requests from 40 stations spread over 60 days (encrypted payloads, a
realistic mix of services and statuses, help calls among them), logs in as a supervisor and
requests the queue page with a rotation of filters. For each request it reads the hub's own
`Server-Timing` (time inside the app, rendering included) and the client's wall time; in the same
run it times the bare SQL the page needs (count + one page of rows + open help calls) for the
same filters on a direct connection. Prints one JSON object.

    .venv/bin/python bench/console.py [--requests 100000] [--rounds 200] [--db postgresql|sqlite]

Goal: queue page p95 ≤ 200 ms (server time).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from sqlalchemy import insert, select

from server.core.db import make_engine, session_factory, transaction
from server.core.keys import load_key_file
from server.db.models import EnvelopeRow, ServiceRequest, Station
from server.services.console_queue import Deadlines, QueueFilter, load_queue
from server.services.records import payload_aad
from server.services.staff import add_user
from tests.support.hubproc import init_hub, running_hub
from tests.support.pgcluster import pg_cluster

SERVICES = ["problem_report"] * 4 + ["subsidy_application", "certificate", "pension_inquiry", "appointment"]
STATUSES = ["new"] * 3 + ["received", "in_progress"] + ["done"] * 4 + ["rejected"]
PASSWORD = "bench-password-1"


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tempfile.mkdtemp(prefix='yizhan-bench-console-')}/hub.sqlite3"
        return
    with pg_cluster() as cluster:
        yield cluster.create_database("consolebench")


def seed(db_url: str, home: Path, n: int, n_stations: int = 40) -> list[str]:
    keys = load_key_file(home / "hub-keys.json")
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    rng = random.Random(7)
    now = datetime.now(UTC)
    station_ids = [str(uuid.uuid4()) for _ in range(n_stations)]
    with transaction(sessions) as session:
        session.execute(insert(Station), [
            {"id": sid, "name": f"驿站{i:02d}", "created_at": now, "enrolled_at": now} for i, sid in enumerate(station_ids)
        ])
        add_user(session, "bench", "supervisor", PASSWORD)
    for start in range(0, n, 5000):
        envs, reqs = [], []
        for i in range(start, min(n, start + 5000)):
            rid, sid = str(uuid.uuid4()), station_ids[i % n_stations]
            at = now - timedelta(seconds=rng.uniform(0, 60 * 86400))
            kind = "help_call" if rng.random() < 0.002 else "service_request"
            status = rng.choice(STATUSES) if kind != "help_call" or rng.random() < 0.9 else "new"
            payload = {"service": "help_call" if kind == "help_call" else rng.choice(SERVICES),
                       "receipt_code": f"B{i % n_stations:02d}-{i:06d}", "resident": {"name": "某某"},
                       "fields": {"description": "路灯坏了"}, "created_at": at.isoformat()}
            envs.append({"id": rid, "station_id": sid, "kind": kind, "station_seq": i, "content_sha256": "0" * 64,
                         "station_created_at": at, "received_at": at})
            reqs.append({"id": rid, "station_id": sid, "kind": kind, "service": payload["service"],
                         "receipt_code": payload["receipt_code"], "status": status,
                         "payload_enc": keys.encrypt_json(payload, payload_aad(rid)),
                         "station_created_at": at, "received_at": at, "updated_at": at})
        with transaction(sessions) as session:
            session.execute(insert(EnvelopeRow), envs)
            session.execute(insert(ServiceRequest), reqs)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return station_ids


def filters(station_ids: list[str]) -> list[dict[str, str]]:
    return [
        {},  # the default view: every open request, newest first
        {"station": station_ids[3]},
        {"service": "problem_report", "status": "new"},
        {"status": "all", "page": "40"},
        {"overdue": "1"},
        {"age": "3d"},
        {"station": station_ids[7], "status": "done", "age": "old"},
    ]


def login(url: str) -> requests.Session:
    http = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(url + "/console/login", timeout=10).text)
    assert token
    answer = http.post(url + "/console/login", data={"username": "bench", "password": PASSWORD,
                       "csrf_token": token.group(1)}, allow_redirects=False, timeout=30)
    assert answer.status_code == 303, answer.text[:200]
    return http


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": pct(values, 0.5), "p95": pct(values, 0.95), "max": round(max(values), 2),
            "mean": round(statistics.fmean(values), 2)}


def bare_sql(db_url: str, station_ids: list[str], rounds: int) -> list[float]:
    """The same queries the page runs (service layer, no HTTP, no template), on a direct connection."""
    engine = make_engine(db_url, pool_size=1)
    sessions = session_factory(engine)
    deadlines = Deadlines(timedelta(days=3), timedelta(minutes=30))
    times = []
    flts = filters(station_ids)
    for i in range(rounds):
        f = flts[i % len(flts)]
        flt = QueueFilter(station=f.get("station"), service=f.get("service"), status=f.get("status", "open"),
                          age=f.get("age"), overdue=f.get("overdue") == "1", page=int(f.get("page", "1")))
        started = time.perf_counter()
        with sessions() as session:
            load_queue(session, flt, deadlines)
        times.append((time.perf_counter() - started) * 1000)
    with sessions() as session:  # sanity: the data is there
        assert session.scalar(select(ServiceRequest.id).limit(1))
    engine.dispose()
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=210)
    ap.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    args = ap.parse_args()
    with database(args.db) as db_url:
        home = Path(tempfile.mkdtemp(prefix="yizhan-bench-console-home-"))
        init_hub(home, db_url)
        t0 = time.perf_counter()
        station_ids = seed(db_url, home, args.requests)
        seeded = time.perf_counter() - t0
        with running_hub(home, db_url) as hub:
            http = login(hub.url)
            flts = filters(station_ids)
            for f in flts:  # warm-up: connection pool, template cache, planner
                http.get(hub.url + "/console/queue", params=f, timeout=30)
            server, wall, per_filter = [], [], {i: [] for i in range(len(flts))}  # type: dict[int, list[float]]
            for i in range(args.rounds):
                started = time.perf_counter()
                page = http.get(hub.url + "/console/queue", params=flts[i % len(flts)], timeout=30)
                wall.append((time.perf_counter() - started) * 1000)
                assert page.status_code == 200 and "table class=\"queue\"" in page.text
                dur = float(page.headers["server-timing"].split("dur=")[1])
                server.append(dur)
                per_filter[i % len(flts)].append(dur)
            sql = bare_sql(db_url, station_ids, args.rounds)
    result: dict[str, Any] = {
        "backend": args.db, "requests_at_hub": args.requests, "page_views": args.rounds, "seed_seconds": round(seeded, 1),
        "page_server_ms": summary(server), "page_wall_ms": summary(wall), "bare_query_ms": summary(sql),
        "page_server_p95_by_filter": {json.dumps(flts[k], ensure_ascii=False): pct(v, 0.95) for k, v in per_filter.items()},
        "goal_p95_ms": 200, "goal_met": pct(server, 0.95) <= 200,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
