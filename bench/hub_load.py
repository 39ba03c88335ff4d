"""Hub load benchmark: N simulated stations syncing at once against a real PostgreSQL hub.

Starts a throwaway PostgreSQL cluster and `yizhan-hub serve --workers W` on loopback, enrols the
stations over HTTP, pre-seals their records (sealing is station CPU, not hub load), then releases
every station at the same moment. Each station runs ROUNDS of: push one batch, then pull its feed
to the end — while a staff thread keeps updating statuses, so pulls carry real changes.
Prints one JSON object: requests/s, latency percentiles per endpoint, errors, records/s.

    .venv/bin/python bench/hub_load.py [--stations 200] [--rounds 3] [--batch 20] [--workers 2]

Bounded by design: loopback only, fixed work per station, a 120 s cap on the whole run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.core.db import make_engine, session_factory, transaction
from server.core.keys import load_key_file
from server.services import feed, stations
from sync.client import HubClient, SyncError, enrol
from sync.protocol import Envelope, HubStatus, RecordKind
from sync.sealing import seal_envelope
from tests.support.hubproc import init_hub, running_hub
from tests.support.pgcluster import pg_cluster

T = TypeVar("T")


def _records(client: HubClient, n: int, rounds: int) -> list[list[Envelope]]:
    cred = client.credential
    out = []
    for r in range(rounds):
        batch = []
        for i in range(n):
            payload = {
                "service": "subsidy_application",
                "receipt_code": f"{cred.station_name}-{r:02d}{i:03d}",
                "resident": {"name": "张秀英", "phone": "13800138000"},
                "fields": {"reason": "高龄补贴"},
                "created_at": datetime.now(UTC).isoformat(),
            }
            batch.append(
                seal_envelope(
                    record_id=uuid.uuid4(),
                    kind=RecordKind.SERVICE_REQUEST,
                    station_seq=r * n + i,
                    created_at=datetime.now(UTC),
                    payload=payload,
                    hub_public_key=cred.hub_public_key,
                )
            )
        out.append(batch)
    return out


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {"push": [], "pull": []}
        self.errors: dict[str, int] = {}

    def timed(self, kind: str, fn: Callable[[], T]) -> T | None:
        start = time.perf_counter()
        try:
            result = fn()
        except SyncError as exc:
            with self.lock:
                key = f"{kind}:{type(exc).__name__}:{exc.status}"
                self.errors[key] = self.errors.get(key, 0) + 1
            return None
        with self.lock:
            self.latencies[kind].append(time.perf_counter() - start)
        return result


def _station_run(
    client: HubClient, batches: list[list[Envelope]], rec: Recorder, gate: threading.Barrier
) -> int:
    gate.wait()
    cursor, acked = 0, 0
    for batch in batches:
        pushed = rec.timed("push", lambda b=batch: client.push(b))  # type: ignore[misc]
        if pushed is not None:
            acked += sum(r.hub_has_it for r in pushed.results)
        while True:
            page = rec.timed("pull", lambda c=cursor: client.pull(c, 500))  # type: ignore[misc]
            if page is None:
                break
            cursor = page.next_cursor
            if not page.has_more:
                break
    return acked


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


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


def run(args: argparse.Namespace) -> dict[str, Any]:
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
            with ThreadPoolExecutor(16) as pool:
                creds = list(pool.map(lambda c: enrol(hub.url, c), codes))
            clients = [HubClient(c, stall_timeout=30) for c in creds]
            with ThreadPoolExecutor(4) as pool:
                work = list(pool.map(lambda c: _records(c, args.batch, args.rounds), clients))
            rec, gate = Recorder(), threading.Barrier(args.stations + 1)
            stop, updated = threading.Event(), [0]
            staff = threading.Thread(target=_staff_updates, args=(db_url, home, stop, updated), daemon=True)
            with ThreadPoolExecutor(args.stations) as pool:
                futures = [
                    pool.submit(_station_run, c, w, rec, gate) for c, w in zip(clients, work, strict=True)
                ]
                staff.start()
                gate.wait()
                start = time.perf_counter()
                acked = sum(f.result(timeout=120) for f in futures)
                elapsed = time.perf_counter() - start
            stop.set()
            staff.join(timeout=10)
    every = rec.latencies["push"] + rec.latencies["pull"]
    total_requests = len(every) + sum(rec.errors.values())
    return {
        "stations": args.stations,
        "rounds": args.rounds,
        "batch": args.batch,
        "hub_workers": args.workers,
        "backend": "postgresql-15",
        "elapsed_s": round(elapsed, 2),
        "requests": total_requests,
        "requests_per_s": round(total_requests / elapsed, 1),
        "records_acked": acked,
        "records_expected": args.stations * args.rounds * args.batch,
        "records_per_s": round(acked / elapsed, 1),
        "status_updates_during_run": updated[0],
        "latency_ms": {
            "all": {
                "p50": _pct(every, 0.5),
                "p95": _pct(every, 0.95),
                "p99": _pct(every, 0.99),
                "mean": round(1000 * statistics.fmean(every), 1) if every else 0.0,
            },
            "push": {"p50": _pct(rec.latencies["push"], 0.5), "p95": _pct(rec.latencies["push"], 0.95)},
            "pull": {"p50": _pct(rec.latencies["pull"], 0.5), "p95": _pct(rec.latencies["pull"], 0.95)},
        },
        "errors": sum(rec.errors.values()),
        "errors_by_kind": rec.errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    result = run(parser.parse_args())
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
