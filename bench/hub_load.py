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

Reported: requests/s; end-to-end latency (client send → validated answer, p50/p95/p99, per
endpoint); the hub's own time per request from its `Server-Timing` header — `app` (everything
inside the app, including waiting for a sync thread, but not time queued in the kernel or the
event loop before the app saw the request) and `txn` (the request's one database transaction);
errors; PostgreSQL sessions opened during the run (pool churn); and how the CPU was shared
between hub processes, PostgreSQL, the client processes and the bench parent (which runs the
staff thread), beside the whole machine's busy cores (anything else running shows up there).

    .venv/bin/python bench/hub_load.py [--stations 200] [--rounds 3] [--batch 20] [--workers 2]
                                       [--client-procs 4]

Bounded by design: loopback only, fixed work per station, a 120 s cap on the whole run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
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
from tests.support.hubproc import init_hub, running_hub
from tests.support.pgcluster import pg_cluster

RUN_CAP_SECONDS = 120.0


# --- one station ---------------------------------------------------------------------------


def _push_bodies(cred: StationCredential, batch: int, rounds: int) -> list[tuple[bytes, list[uuid.UUID]]]:
    """Seal every record and serialise every push body up front (station-side work)."""
    out = []
    for r in range(rounds):
        items = []
        for i in range(batch):
            payload = {
                "service": "subsidy_application",
                "receipt_code": f"{cred.station_name}-{r:02d}{i:03d}",
                "resident": {"name": "张秀英", "phone": "13800138000"},
                "fields": {"reason": "高龄补贴"},
                "created_at": datetime.now(UTC).isoformat(),
            }
            items.append(
                seal_envelope(
                    record_id=uuid.uuid4(),
                    kind=RecordKind.SERVICE_REQUEST,
                    station_seq=r * batch + i,
                    created_at=datetime.now(UTC),
                    payload=payload,
                    hub_public_key=cred.hub_public_key,
                )
            )
        body = PushRequest(items=items).model_dump_json().encode("utf-8")
        out.append((body, [e.id for e in items]))
    return out


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
    for t in tallies:
        total.merge(t)
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


def run(args: argparse.Namespace) -> dict[str, Any]:
    procs_n = max(1, min(args.client_procs, args.stations))
    with pg_cluster() as cluster:
        db_url = cluster.create_database("bench")
        home = Path(tempfile.mkdtemp(prefix="yizhan-bench-"))
        init_hub(home, db_url)
        keys = load_key_file(home / "hub-keys.json")
        sessions = session_factory(make_engine(db_url, pool_size=2))
        with running_hub(home, db_url, workers=args.workers) as hub:
            with transaction(sessions) as s:
                codes = [stations.create_enrolment_code(s, f"B{i:03d}") for i in range(args.stations)]
                for n in range(5):
                    feed.publish_notice(s, keys, f"通知 {n}", "社区活动安排", None)
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(16) as pool:
                creds = list(pool.map(lambda c: enrol(hub.url, c), codes))
            ctx = mp.get_context("spawn")
            ready, results = ctx.Queue(), ctx.Queue()
            start_at = ctx.Value("d", 0.0)
            shares = [creds[i::procs_n] for i in range(procs_n)]
            clients = [
                ctx.Process(
                    target=_client_process,
                    args=(
                        [c.to_json() for c in share],
                        "127.0.0.1",
                        hub.port,
                        args.batch,
                        args.rounds,
                        ready,
                        start_at,
                        results,
                    ),
                    daemon=True,
                )
                for share in shares
            ]
            for p in clients:
                p.start()
            for _ in clients:
                ready.get(timeout=300)  # every station sealed and serialised its batches
            assert hub.proc is not None
            hub_pids = _descendants(hub.proc.pid)
            pg_pids = _postgres_pids(cluster.data_dir)
            client_pids = {p.pid for p in clients if p.pid is not None}
            stop, updated = threading.Event(), [0]
            staff = threading.Thread(target=_staff_updates, args=(db_url, home, stop, updated), daemon=True)
            staff.start()
            time.sleep(0.2)
            pg_pids |= _postgres_pids(cluster.data_dir)  # the staff thread's backend
            per_hub_before = {pid: _cpu_ticks({pid}) for pid in hub_pids}
            sessions_before = _pg_sessions(db_url)
            cpu_before = {
                "hub": _cpu_ticks(hub_pids),
                "postgres": _cpu_ticks(pg_pids),
                "clients": _cpu_ticks(client_pids),
                "bench_parent": _cpu_ticks({os.getpid()}),
                "whole_machine": _machine_busy(),
            }
            start = time.time() + 0.5
            start_at.value = start
            tally, finished = Tally(), []
            for _ in clients:
                ended, part = results.get(timeout=RUN_CAP_SECONDS + 30)
                finished.append(ended)
                tally.merge(part)
            elapsed = max(finished) - start
            pg_pids |= _postgres_pids(cluster.data_dir)
            cpu = {
                "hub": _cpu_ticks(hub_pids) - cpu_before["hub"],
                "postgres": _cpu_ticks(pg_pids) - cpu_before["postgres"],
                "clients": _cpu_ticks(client_pids) - cpu_before["clients"],
                "bench_parent": _cpu_ticks({os.getpid()}) - cpu_before["bench_parent"],
                "whole_machine": _machine_busy() - cpu_before["whole_machine"],
            }
            sessions_opened = _pg_sessions(db_url) - sessions_before
            per_hub = sorted(
                (round((_cpu_ticks({pid}) - before) / elapsed, 2) for pid, before in per_hub_before.items()),
                reverse=True,
            )
            stop.set()
            staff.join(timeout=10)
            for p in clients:
                p.join(timeout=10)
    every = tally.latencies["push"] + tally.latencies["pull"]
    server_every = tally.server["push"] + tally.server["pull"]
    total_requests = len(every) + sum(tally.errors.values())
    return {
        "stations": args.stations,
        "rounds": args.rounds,
        "batch": args.batch,
        "hub_workers": args.workers,
        "client_processes": procs_n,
        "cpus": os.cpu_count(),
        "backend": "postgresql-15",
        "elapsed_s": round(elapsed, 2),
        "requests": total_requests,
        "requests_per_s": round(total_requests / elapsed, 1),
        "records_acked": tally.acked,
        "records_expected": args.stations * args.rounds * args.batch,
        "records_per_s": round(tally.acked / elapsed, 1),
        "status_updates_during_run": updated[0],
        "latency_ms": {
            "all": _summary(every),
            "push": _summary(tally.latencies["push"]),
            "pull": _summary(tally.latencies["pull"]),
        },
        # Inside the hub's app (from its Server-Timing header): everything after uvicorn handed
        # the request to the app, including waiting for one of the worker's sync threads.
        "server_time_ms": {
            "all": _summary([v for v in server_every if v == v]),
            "push": _summary([v for v in tally.server["push"] if v == v]),
            "pull": _summary([v for v in tally.server["pull"] if v == v]),
        },
        # Of which inside the request's one database transaction (nonce claim + work + commit).
        "transaction_time_ms": {
            kind: _summary([v for v in values if v == v])
            for kind, values in (
                ("all", tally.txn["push"] + tally.txn["pull"]),
                ("push", tally.txn["push"]),
                ("pull", tally.txn["pull"]),
            )
        },
        "cpu_cores_used": {k: round(v / elapsed, 2) for k, v in cpu.items()},
        "cpu_cores_per_hub_process": per_hub,
        "postgres_sessions_opened_during_run": sessions_opened,
        "errors": sum(tally.errors.values()),
        "errors_by_kind": tally.errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--client-procs", type=int, default=4, help="processes the stations run in")
    result = run(parser.parse_args())
    print(json.dumps(result, ensure_ascii=False, indent=2))
    ok = result["errors"] == 0 and result["records_acked"] == result["records_expected"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
