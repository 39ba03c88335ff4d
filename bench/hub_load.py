"""Hub load benchmark: N simulated stations syncing at once against a real PostgreSQL hub.

Starts a throwaway PostgreSQL cluster and `yizhan-hub serve --workers W` on loopback and enrols the
stations over HTTP. Every station then runs ROUNDS of: push one batch of BATCH sealed records,
then pull its feed to the end — all stations released at the same moment, no think time — while
a staff thread keeps updating statuses, so pulls carry real changes.

How the client side is kept from dominating a small machine (the hub, PostgreSQL and the clients
share the same cores):

- Stations run in `--client-procs` separate processes (default 4 × 50 station threads), not as
  200 threads behind one GIL, whose queueing would otherwise be counted as hub latency.
- Each station's records are sealed and each push body serialised *before* the release (sealing
  is station CPU spent long before a sync). Signing (HMAC over the exact bytes, fresh nonce and
  timestamp per request, via sync.protocol.sign) happens at send time, as on a station.
- Stations speak HTTP/1.1 over one keep-alive connection each with http.client rather than
  requests; answers are still validated with the protocol models (PushResponse/PullResponse) and
  a push counts as acknowledged only if the results list exactly the batch's ids in order.

Reported: round trips to PostgreSQL and hub CPU per push and pull, measured in process first
(bench/hub_probe.py); requests/s; end-to-end latency (client send → validated answer, p50/p95/p99, per
endpoint); the hub's own time per request from its `Server-Timing` header — `app` (everything
inside the app, including waiting for a sync thread, but not time queued in the kernel or the
event loop before the app saw the request) and `txn` (the request's one database transaction);
errors; PostgreSQL sessions opened during the run (pool churn); and how the CPU was shared
between hub processes, PostgreSQL, the client processes and the bench parent (which runs the
staff thread), beside the whole machine's busy cores (anything else running shows up there).
Hub CPU is every hub process's, so the topic words the hub's background worker finds after each
push (server/services/topic_queue.py: off the request path, not off the bill) count per request.

    .venv/bin/python bench/hub_load.py [--stations 200] [--rounds 3] [--batch 20] [--workers 1,2,4]
                                       [--client-procs 4] [--cadence-stations 2000] [--json]

Same run, same clients, same database: every measurement is taken twice, against the hub and against
a baseline (bench/hub_baseline.py: a bare FastAPI endpoint that verifies nothing and stores the push
body with one psycopg INSERT), so the goals are ratios that hold on a fast or a slow day — 200
stations at once: p95 ≤ 2× and hub CPU per request ≤ 2× the baseline's, for each worker count;
cadence mode (2,000 stations each syncing about every 5 minutes, Poisson arrivals, 2 minutes,
open loop): p95 ≤ 1.5×. Absolute figures are printed too (the old goal: p95 ≤ 500 ms on 2 cores).

Bounded by design: loopback only, fixed work per station, a 120 s cap on the whole run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.core.db import make_engine, session_factory, transaction
from server.core.keys import load_key_file
from server.services import feed, stations
from sync.client import StationCredential, enrol
from sync.protocol import (
    H_NONCE,
    H_SIGNATURE,
    H_STATION,
    H_TIMESTAMP,
    HubStatus,
    PullResponse,
    PushRequest,
    PushResponse,
    RecordKind,
    sign,
)
from sync.sealing import seal_envelope
from tests.support.hubproc import HubProcess, init_hub
from tests.support.pgcluster import pg_cluster

ROOT = Path(__file__).resolve().parent.parent

RUN_CAP_SECONDS = 120.0


# --- one station ---------------------------------------------------------------------------


def push_body(public_key: bytes, prefix: str, batch: int, round_: int) -> tuple[bytes, list[uuid.UUID]]:
    """One push of `batch` sealed service requests with receipt codes PREFIX-RRRIII, serialised as a
    station sends it, and the ids in order (bench/hub_probe.py pushes the same bodies in process)."""
    items = []
    for i in range(batch):
        payload = {
            "service": "subsidy_application",
            "receipt_code": f"{prefix}-{round_:03d}{i:03d}",
            "resident": {"name": "张秀英", "phone": "13800138000"},
            "fields": {"reason": "高龄补贴"},
            "created_at": datetime.now(UTC).isoformat(),
        }
        items.append(
            seal_envelope(
                record_id=uuid.uuid4(),
                kind=RecordKind.SERVICE_REQUEST,
                station_seq=round_ * batch + i,
                created_at=datetime.now(UTC),
                payload=payload,
                hub_public_key=public_key,
            )
        )
    return PushRequest(items=items).model_dump_json().encode("utf-8"), [e.id for e in items]


def _push_bodies(cred: StationCredential, batch: int, rounds: int) -> list[tuple[bytes, list[uuid.UUID]]]:
    """Seal every record and serialise every push body up front (station-side work)."""
    return [push_body(cred.hub_public_key, cred.station_name, batch, r) for r in range(rounds)]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"push": [], "pull": []})
    server: dict[str, list[float]] = field(default_factory=lambda: {"push": [], "pull": []})
    txn: dict[str, list[float]] = field(default_factory=lambda: {"push": [], "pull": []})
    errors: dict[str, int] = field(default_factory=dict)
    acked: int = 0

    def error(self, key: str) -> None:
        self.errors[key] = self.errors.get(key, 0) + 1

    def merge(self, other: Tally) -> None:
        for kind in ("push", "pull"):
            self.latencies[kind] += other.latencies[kind]
            self.server[kind] += other.server[kind]
            self.txn[kind] += other.txn[kind]
        for key, n in other.errors.items():
            self.errors[key] = self.errors.get(key, 0) + n
        self.acked += other.acked


class Station:
    """A station's sync traffic: signed requests on one keep-alive HTTP/1.1 connection."""

    def __init__(self, cred: StationCredential, host: str, port: int, tally: Tally) -> None:
        self.cred, self.host, self.port, self.tally = cred, host, port, tally
        self.conn: http.client.HTTPConnection | None = None

    def _send(self, kind: str, method: str, path: str, body: bytes) -> bytes | None:
        ts, nonce = str(int(time.time())), secrets.token_hex(16)
        headers = {
            H_STATION: self.cred.station_id,
            H_TIMESTAMP: ts,
            H_NONCE: nonce,
            H_SIGNATURE: sign(self.cred.secret, method, path, ts, nonce, body),
            "Accept": "application/json",
        }
        if body:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            self.conn.request(method, path, body=body or None, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            self.tally.error(f"{kind}:{type(exc).__name__}")
            return None
        if response.status != 200:
            try:
                code = json.loads(data)["error"]["code"]
            except (ValueError, KeyError, TypeError):
                code = "?"
            self.tally.error(f"{kind}:{response.status}:{code}")
            return None
        self.tally.latencies[kind].append(time.perf_counter() - started)
        timing = response.getheader("Server-Timing")
        self.tally.server[kind].append(_server_ms(timing, "app"))
        self.tally.txn[kind].append(_server_ms(timing, "txn"))
        return data

    def push(self, body: bytes, ids: list[uuid.UUID]) -> None:
        data = self._send("push", "POST", "/v1/push", body)
        if data is None:
            return
        answer = PushResponse.model_validate_json(data)
        if [r.id for r in answer.results] != ids:  # the client rule: nothing counts otherwise
            self.tally.error("push:results_mismatch")
            return
        self.tally.acked += sum(r.hub_has_it for r in answer.results)

    def pull_to_end(self, cursor: int) -> int:
        while True:
            data = self._send("pull", "GET", f"/v1/pull?cursor={cursor}&limit=500", b"")
            if data is None:
                return cursor
            page = PullResponse.model_validate_json(data)
            cursor = page.next_cursor
            if not page.has_more:
                return cursor

    def run(self, bodies: list[tuple[bytes, list[uuid.UUID]]]) -> None:
        cursor = 0
        for body, ids in bodies:
            self.push(body, ids)
            cursor = self.pull_to_end(cursor)
        if self.conn is not None:
            self.conn.close()


def _server_ms(header: str | None, metric: str) -> float:
    """Seconds of one `Server-Timing` metric (http.client joins repeated headers with ", ")."""
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        if name == metric and params.startswith("dur="):
            return float(params[4:]) / 1000
    return float("nan")


# --- client processes ----------------------------------------------------------------------


def _client_process(
    creds: list[str],
    host: str,
    port: int,
    batch: int,
    rounds: int,
    ready: Any,
    start_at: Any,
    results: Any,
) -> None:
    """Prepare this process's stations, then release them all at the parent's start time."""
    stations_ = [StationCredential.from_json(c) for c in creds]
    work = [_push_bodies(c, batch, rounds) for c in stations_]
    tallies = [Tally() for _ in stations_]
    ready.put(os.getpid())
    while start_at.value == 0.0:
        time.sleep(0.005)
    delay = start_at.value - time.time()
    if delay > 0:
        time.sleep(delay)
    threads = [
        threading.Thread(target=Station(c, host, port, t).run, args=(w,), daemon=True)
        for c, t, w in zip(stations_, tallies, work, strict=True)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + RUN_CAP_SECONDS
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    if any(t.is_alive() for t in threads):
        total.error("run:timeout")
    results.put((time.time(), total))


# --- CPU accounting --------------------------------------------------------------------------


def _cpu_ticks(pids: set[int]) -> float:
    """CPU seconds (user + system) used so far by these processes (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent not idle (all processes, ours or not)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = set(), [root]
    while todo:
        pid = todo.pop()
        out.add(pid)
        todo.extend(children.get(pid, []))
    return out


def _postgres_pids(data_dir: Path) -> set[int]:
    pid_file = data_dir / "postmaster.pid"
    try:
        return _descendants(int(pid_file.read_text().split()[0]))
    except (OSError, ValueError, IndexError):
        return set()


# --- the run -------------------------------------------------------------------------------


def _staff_updates(db_url: str, home: Path, stop: threading.Event, counter: list[int]) -> None:
    keys = load_key_file(home / "hub-keys.json")
    sessions = session_factory(make_engine(db_url, pool_size=1))
    from sqlalchemy import select

    from server.db.models import ServiceRequest

    while not stop.is_set():
        with transaction(sessions) as s:
            ids = s.scalars(select(ServiceRequest.id).where(ServiceRequest.status == "new").limit(20)).all()
            for rid in ids:
                feed.update_request_status(s, keys, rid, HubStatus.RECEIVED, "已受理", "bench")
        counter[0] += len(ids)
        stop.wait(0.05)


def _pg_sessions(db_url: str) -> int:
    """Sessions (connections) PostgreSQL has started for the bench database so far."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url, poolclass=__import__("sqlalchemy.pool").pool.NullPool)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT sessions FROM pg_stat_database WHERE datname = current_database()"))
        value = int(n.scalar_one())
    engine.dispose()
    return value


def _pct(values: list[float], q: float) -> float:
    values = [v for v in values if v == v]  # drop NaN (a response without Server-Timing)
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": _pct(values, 0.5),
        "p95": _pct(values, 0.95),
        "p99": _pct(values, 0.99),
        "mean": round(1000 * statistics.fmean(values), 1) if values else 0.0,
    }


@dataclass
class Target:
    """A server under test: the hub or the baseline, on a loopback port, with its process tree."""

    name: str
    port: int
    root_pid: int


@contextmanager
def baseline_server(db_url: str, workers: int) -> Iterator[Target]:
    """bench/hub_baseline.py under uvicorn with the hub's worker count, on the hub's database."""
    from tests.support.ports import free_port

    dsn = db_url.replace("postgresql+psycopg://", "postgresql://")
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:  # the table bench/hub_baseline.py writes
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_baseline_push (id bigserial PRIMARY KEY, body bytea NOT NULL)"
        )
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "hub_baseline:app",
        "--app-dir",
        str(ROOT / "bench"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(
        cmd,
        env={**os.environ, "YIZHAN_BASELINE_DSN": dsn},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/v1/health")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the baseline server did not start")
            time.sleep(0.1)
        wait_idle(proc.pid)  # every worker process up, not only the first
        yield Target("baseline", port, proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


START_TIMEOUT = 180.0  # a loaded 2-core machine imports a worker in 10 s or more


@contextmanager
def started_hub(home: Path, db_url: str, workers: int) -> Iterator[HubProcess]:
    """`yizhan-hub serve` as the tests start it, with a start-up allowance for a loaded machine."""
    from tests.support.ports import free_port

    hub = HubProcess(home=home, db_url=db_url, port=free_port(), workers=workers, log_path=home / "hub.log")
    started = time.monotonic()
    hub.start(timeout=START_TIMEOUT)
    print(f"  hub with {workers} worker(s) healthy after {time.monotonic() - started:.1f} s", file=sys.stderr)
    try:
        yield hub
    finally:
        hub.stop()


def wait_idle(root_pid: int, cap: float = 60.0) -> None:
    """Wait until the server's processes are idle (every worker up, background start-up work such
    as loading the topic dictionary done), so none of it is counted as CPU per request."""
    deadline = time.monotonic() + cap
    last = _cpu_ticks(_descendants(root_pid))
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = _cpu_ticks(_descendants(root_pid))
        if now - last < 0.05:
            return
        last = now


@contextmanager
def hub_server(home: Path, db_url: str, workers: int) -> Iterator[Target]:
    with started_hub(home, db_url, workers) as hub:
        assert hub.proc is not None
        wait_idle(hub.proc.pid)
        yield Target("hub", hub.port, hub.proc.pid)


def _cpu_snapshot(target: Target, pg_dir: Path, clients: set[int]) -> dict[str, float]:
    return {
        "server": _cpu_ticks(_descendants(target.root_pid)),
        "postgres": _cpu_ticks(_postgres_pids(pg_dir)),
        "clients": _cpu_ticks(clients),
        "whole_machine": _machine_busy(),
    }


@dataclass(frozen=True)
class Setup:
    """What every measurement shares: the PostgreSQL data directory, the database, the hub home."""

    pg_dir: Path
    db_url: str
    home: Path


@dataclass
class Clients:
    """Client processes (spawned, preparing their stations) and the queues that release and collect them."""

    procs: list[Any]
    ready: Any
    start_at: Any
    results: Any


def spawn_clients(target: Any, argsets: list[tuple[Any, ...]]) -> Clients:
    """One spawned process per argument tuple, running `target(*args, ready, start_at, results)`."""
    ctx = mp.get_context("spawn")
    ready, results = ctx.Queue(), ctx.Queue()
    start_at = ctx.Value("d", 0.0)
    procs = [ctx.Process(target=target, args=(*a, ready, start_at, results), daemon=True) for a in argsets]
    for p in procs:
        p.start()
    return Clients(procs, ready, start_at, results)


def _measure(
    target: Target, setup: Setup, clients: Clients, cap: float
) -> tuple[Tally, float, dict[str, float]]:
    """Release the prepared client processes, collect their tallies; CPU used meanwhile."""
    for _ in clients.procs:
        clients.ready.get(timeout=600)  # every station sealed and serialised its batches
    client_pids = {p.pid for p in clients.procs if p.pid is not None}
    stop, updated = threading.Event(), [0]
    staff = threading.Thread(
        target=_staff_updates, args=(setup.db_url, setup.home, stop, updated), daemon=True
    )
    staff.start()
    time.sleep(0.2)
    before = _cpu_snapshot(target, setup.pg_dir, client_pids)
    start = time.time() + 0.5
    clients.start_at.value = start
    tally, finished = Tally(), []
    for _ in clients.procs:
        ended, part = clients.results.get(timeout=cap + 60)
        finished.append(ended)
        tally.merge(part)
    elapsed = max(finished) - start
    after = _cpu_snapshot(target, setup.pg_dir, client_pids)
    stop.set()
    staff.join(timeout=10)
    for p in clients.procs:
        p.join(timeout=10)
    return tally, elapsed, {k: after[k] - before[k] for k in after}


def _report(
    target: Target, tally: Tally, elapsed: float, cpu: dict[str, float], expected: int
) -> dict[str, Any]:
    every = tally.latencies["push"] + tally.latencies["pull"]
    requests_n = len(every) + sum(tally.errors.values())
    return {
        "server": target.name,
        "elapsed_s": round(elapsed, 2),
        "requests": requests_n,
        "requests_per_s": round(requests_n / elapsed, 1),
        "records_acked": tally.acked,
        "records_expected": expected,
        "latency_ms": {
            "all": _summary(every),
            "push": _summary(tally.latencies["push"]),
            "pull": _summary(tally.latencies["pull"]),
        },
        # Inside the server's app (Server-Timing `app`; the baseline sends none) and, of that, inside
        # the request's one database transaction (`txn`).
        "server_time_ms": _summary([v for v in tally.server["push"] + tally.server["pull"] if v == v]),
        "transaction_time_ms": _summary([v for v in tally.txn["push"] + tally.txn["pull"] if v == v]),
        "server_cpu_ms_per_request": round(1000 * cpu["server"] / max(1, requests_n), 2),
        "cpu_cores_used": {k: round(v / elapsed, 2) for k, v in cpu.items()},
        "errors": sum(tally.errors.values()),
        "errors_by_kind": tally.errors,
    }


def burst(
    target: Target, setup: Setup, creds: list[StationCredential], args: argparse.Namespace
) -> dict[str, Any]:
    """Every station at once: ROUNDS × (push BATCH records, pull to the end), no think time."""
    n = max(1, min(args.client_procs, len(creds)))
    clients = spawn_clients(
        _client_process,
        [
            ([c.to_json() for c in creds[i::n]], "127.0.0.1", target.port, args.batch, args.rounds)
            for i in range(n)
        ],
    )
    tally, elapsed, cpu = _measure(target, setup, clients, RUN_CAP_SECONDS)
    return _report(target, tally, elapsed, cpu, len(creds) * args.rounds * args.batch)


def _cadence_process(
    creds: list[str],
    schedule: list[tuple[float, int]],
    host: str,
    port: int,
    batch: int,
    ready: Any,
    start_at: Any,
    results: Any,
) -> None:
    """Open-loop arrivals: at each scheduled offset one station syncs (push one batch, pull to the
    end) on a fresh connection, however slow the earlier ones are."""
    from concurrent.futures import ThreadPoolExecutor

    stations_ = [StationCredential.from_json(c) for c in creds]
    work = [(offset, stations_[i], _push_bodies(stations_[i], batch, 1)) for offset, i in schedule]
    tallies = [Tally() for _ in work]
    ready.put(os.getpid())
    while start_at.value == 0.0:
        time.sleep(0.005)
    start = start_at.value
    with ThreadPoolExecutor(max_workers=200) as pool:
        for (offset, cred, bodies), tally in zip(work, tallies, strict=True):
            delay = start + offset - time.time()
            if delay > 0:
                time.sleep(delay)
            pool.submit(Station(cred, host, port, tally).run, bodies)
    total = Tally()
    for t in tallies:
        total.merge(t)
    results.put((time.time(), total))


def cadence(
    target: Target,
    setup: Setup,
    creds: list[StationCredential],
    schedule: list[tuple[float, int]],
    args: argparse.Namespace,
) -> dict[str, Any]:
    n = max(1, args.client_procs)
    payload = [c.to_json() for c in creds]
    clients = spawn_clients(
        _cadence_process,
        [(payload, schedule[i::n], "127.0.0.1", target.port, args.cadence_batch) for i in range(n)],
    )
    tally, elapsed, cpu = _measure(target, setup, clients, args.cadence_seconds + 60)
    return _report(target, tally, elapsed, cpu, len(schedule) * args.cadence_batch)


def poisson_schedule(
    stations_n: int, interval_s: float, duration_s: float, seed: int
) -> list[tuple[float, int]]:
    """Arrival offsets of `stations_n` stations each syncing every `interval_s` on average: one
    Poisson process of rate stations_n / interval_s, each arrival a station picked at random."""
    rng = random.Random(seed)
    rate, t = stations_n / interval_s, 0.0
    out: list[tuple[float, int]] = []
    while True:
        t += rng.expovariate(rate)
        if t >= duration_s:
            return out
        out.append((t, rng.randrange(stations_n)))


def enrol_all(hub_url: str, db_url: str, home: Path, n: int, prefix: str) -> list[StationCredential]:
    from concurrent.futures import ThreadPoolExecutor

    keys = load_key_file(home / "hub-keys.json")
    sessions = session_factory(make_engine(db_url, pool_size=2))
    with transaction(sessions) as s:
        codes = [stations.create_enrolment_code(s, f"{prefix}{i:04d}") for i in range(n)]
        if prefix == "B":
            for k in range(5):
                feed.publish_notice(s, keys, f"通知 {k}", "社区活动安排", None)
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(lambda c: enrol(hub_url, c), codes))


def _ratio(ours: float, base: float) -> float:
    return round(ours / base, 2) if base else float("inf")


def side_by_side(
    setup: Setup, workers: int, measure: Callable[[Target], dict[str, Any]], row: dict[str, Any]
) -> dict[str, Any]:
    """The baseline, then the hub, with the same workers, clients, stations and database; and the
    hub's figures as ratios to the baseline's. The load average beside them: the machine is shared."""
    row["load_before"] = round(os.getloadavg()[0], 1)
    with baseline_server(setup.db_url, workers) as target:
        row["baseline"] = measure(target)
    with hub_server(setup.home, setup.db_url, workers) as target:
        row["hub"] = measure(target)
    row["load_after"] = round(os.getloadavg()[0], 1)
    hub, base = row["hub"], row["baseline"]
    row["p95_ratio"] = _ratio(hub["latency_ms"]["all"]["p95"], base["latency_ms"]["all"]["p95"])
    row["cpu_per_request_ratio"] = _ratio(hub["server_cpu_ms_per_request"], base["server_cpu_ms_per_request"])
    return row


def run(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "backend": "postgresql-15",
        "stations": args.stations,
        "rounds": args.rounds,
        "batch": args.batch,
        "by_workers": {},
    }
    with pg_cluster() as cluster:
        db_url = cluster.create_database("bench")
        home = Path(tempfile.mkdtemp(prefix="yizhan-bench-"))
        init_hub(home, db_url)
        setup = Setup(cluster.data_dir, db_url, home)
        from bench import hub_probe  # here: hub_probe imports this module's push bodies

        out["probe"] = hub_probe.probe(db_url, home, args.batch)  # round trips and CPU, in process
        with started_hub(home, db_url, workers=1) as hub:
            creds = enrol_all(hub.url, db_url, home, args.stations, "B")
            cadence_creds = (
                enrol_all(hub.url, db_url, home, args.cadence_stations, "C") if args.cadence_stations else []
            )
        for workers in args.workers:
            out["by_workers"][str(workers)] = side_by_side(
                setup, workers, lambda target: burst(target, setup, creds, args), {}
            )
        if cadence_creds:
            schedule = poisson_schedule(
                len(cadence_creds), args.cadence_interval, args.cadence_seconds, seed=7
            )
            row = {
                "stations": len(cadence_creds),
                "interval_s": args.cadence_interval,
                "duration_s": args.cadence_seconds,
                "arrivals": len(schedule),
                "workers": args.cadence_workers,
            }
            out["cadence"] = side_by_side(
                setup,
                args.cadence_workers,
                lambda target: cadence(target, setup, cadence_creds, schedule, args),
                row,
            )
    return out


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _pair(row: dict[str, Any]) -> str:
    """One line for a hub/baseline pair: latency, CPU per request, and what else ran meanwhile."""
    hub, base = row["hub"], row["baseline"]
    cores = hub["cpu_cores_used"]
    return (
        f"hub {hub['requests_per_s']:.0f} req/s p50/p95 {hub['latency_ms']['all']['p50']:.0f}/"
        f"{hub['latency_ms']['all']['p95']:.0f} ms ({hub['server_cpu_ms_per_request']:.2f} ms CPU/req) · "
        f"baseline {base['requests_per_s']:.0f} req/s p50/p95 {base['latency_ms']['all']['p50']:.0f}/"
        f"{base['latency_ms']['all']['p95']:.0f} ms ({base['server_cpu_ms_per_request']:.2f} ms CPU/req)\n"
        f"             load {row['load_before']}→{row['load_after']}; during the hub run the hub used "
        f"{cores['server']:.2f} cores, PostgreSQL {cores['postgres']:.2f}, clients {cores['clients']:.2f}, "
        f"whole machine {cores['whole_machine']:.2f} of {os.cpu_count()}"
    )


def print_table(result: dict[str, Any]) -> None:
    from bench import hub_probe

    print(f"in process (bench/hub_probe.py): {hub_probe.describe(result['probe'])}")
    print(
        f"{result['stations']} stations at once, {result['rounds']} rounds of push {result['batch']} + pull; "
        f"{result['cpus']} cores; hub vs bare FastAPI + one psycopg INSERT, same run"
    )
    for workers, row in result["by_workers"].items():
        hub = row["hub"]
        print(f"  workers {workers}: {_pair(row)}")
        print(
            f"             p95 ratio {row['p95_ratio']:.2f}× (goal ≤ 2×: {_met(row['p95_ratio'] <= 2)}) · "
            f"CPU/request ratio {row['cpu_per_request_ratio']:.2f}× "
            f"(goal ≤ 2×: {_met(row['cpu_per_request_ratio'] <= 2)})"
            f" · absolute p95 {hub['latency_ms']['all']['p95']:.0f} ms (old goal ≤ 500 ms: "
            f"{_met(hub['latency_ms']['all']['p95'] <= 500)}) · errors {hub['errors']}"
        )
    row = result.get("cadence")
    if row:
        print(
            f"cadence: {row['stations']} stations each every ~{row['interval_s']:.0f} s (Poisson), "
            f"{row['duration_s']:.0f} s, {row['arrivals']} syncs, workers {row['workers']}"
        )
        print(f"  {_pair(row)}")
        print(
            f"  p95 ratio {row['p95_ratio']:.2f}× (goal ≤ 1.5×: {_met(row['p95_ratio'] <= 1.5)}) · "
            f"CPU/request ratio {row['cpu_per_request_ratio']:.2f}× · errors {row['hub']['errors']}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker counts, e.g. 1,2,4")
    parser.add_argument("--client-procs", type=int, default=4, help="processes the stations run in")
    parser.add_argument("--cadence-stations", type=int, default=2000, help="0 skips the cadence mode")
    parser.add_argument(
        "--cadence-interval", type=float, default=300.0, help="mean seconds between a station's syncs"
    )
    parser.add_argument("--cadence-seconds", type=float, default=120.0)
    parser.add_argument("--cadence-batch", type=int, default=3, help="records per cadence sync")
    parser.add_argument("--cadence-workers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the full figures as JSON too")
    args = parser.parse_args()
    args.workers = [int(w) for w in str(args.workers).split(",") if w.strip()]
    result = run(args)
    print_table(result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    rows = [
        *(r["hub"] for r in result["by_workers"].values()),
        *([result["cadence"]["hub"]] if "cadence" in result else []),
    ]
    ok = all(r["errors"] == 0 and r["records_acked"] == r["records_expected"] for r in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
