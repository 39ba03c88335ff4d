"""Benchmark sync over loopback against a real hub (SQLite by default, or --db URL for PostgreSQL).

10,000 queued records pushed and 10,000 status updates pulled, beside posting the same request
bytes with plain `requests` (no sealing, no bookkeeping) in the same run. Prints JSON, and where the
push's time went: sealing into the outbox, reading it, the outbox bookkeeping (SENDING once per slice
of the queue, then the hub's answers once per batch) and the HTTP exchanges themselves
(`--skip-pull` stops after the push figures). Goals: push ≤ 2× the plain POST in the same run;
pull ≥ 1,000 status updates a second (each page signed by the hub and verified, applied and
committed with its cursor).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.station import KIOSK, Actor, Station
from sync import outbox
from sync.client import enrol, split_batches
from sync.credentials import load_credential, save_credential
from sync.engine import SyncEngine
from sync.protocol import MAX_PUSH_ITEMS, HubStatus, PushRequest
from tests.support.hubproc import HubProcess, init_hub
from tests.support.ports import free_port

# The station-side steps of a push, timed (wall and CPU seconds, calls) while the engine runs.
PHASES = {
    "fill_outbox": "seal every queued record into the outbox (decrypt, seal, insert, commit)",
    "pending": "read the outbox",
    "mark_sending": "mark a slice of the queue SENDING (commit)",
    "apply_results": "record the hub's answers (commit)",
}


class Phases:
    def __init__(self) -> None:
        self.spent: dict[str, list[float]] = {}
        self._real: list[tuple[Any, str, Any]] = []

    def restore(self) -> None:
        for owner, name, real in self._real:
            setattr(owner, name, real)

    def wrap(self, owner: Any, name: str, label: str | None = None) -> None:
        real = getattr(owner, name)
        self._real.append((owner, name, real))
        key = label or name

        def timed(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return real(*args, **kwargs)
            finally:
                spent = self.spent.setdefault(key, [0.0, 0.0, 0])
                spent[0] += time.perf_counter() - wall
                spent[1] += time.process_time() - cpu
                spent[2] += 1

        setattr(owner, name, timed)

    def report(self) -> dict[str, dict[str, float]]:
        return {
            k: {"wall_s": round(w, 2), "cpu_s": round(c, 2), "calls": n}
            for k, (w, c, n) in self.spent.items()
        }


START_TIMEOUT = 180.0  # a loaded 2-core machine takes 10 s or more to import a hub worker
PULL_GOAL_PER_S = 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--db", default=None, help="hub database URL (default: SQLite in a temp dir)")
    parser.add_argument("--skip-pull", action="store_true", help="stop after the push figures")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="yizhan-bench-sync-"))
    db_url = args.db or f"sqlite:///{work / 'hub.sqlite3'}"
    init_hub(work / "hub", db_url)
    hub = HubProcess(home=work / "hub", db_url=db_url, port=free_port(), log_path=work / "hub.log")
    started = time.perf_counter()
    hub.start(timeout=START_TIMEOUT)
    print(f"hub healthy after {time.perf_counter() - started:.1f} s", file=sys.stderr)
    try:
        from server.cli import main as hub_cli

        def code(name: str) -> str:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                hub_cli(["enrol-code", "--station", name, "--home", str(work / "hub"), "--db", db_url])
            return out.getvalue().strip()

        station = Station.create(work / "station", "bench passphrase", name="bench", prefix="Z01")
        save_credential(station, enrol(hub.url, code("bench")), Actor("admin", "bench"))
        for i in range(args.records):
            station.requests.submit("problem_report", {"description": f"甲站第{i}件：路灯不亮"}, KIOSK)

        # The twin for the plain POSTs, made before either is timed. Its texts differ from the
        # station's by one character (same length, same bytes on the wire): the hub remembers how it
        # segmented short texts, and identical texts would make the second sender's work a cache hit.
        # It has one protocol batch more than the station: that batch is posted untimed first, so
        # neither timed run pays for the hub's first push after its start.
        twin = Station.create(work / "twin", "bench passphrase", name="twin", prefix="Z02")
        twin_cred = enrol(hub.url, code("twin"))
        save_credential(twin, twin_cred, Actor("admin", "bench"))
        for i in range(args.records + MAX_PUSH_ITEMS):
            twin.requests.submit("problem_report", {"description": f"乙站第{i}件：路灯不亮"}, KIOSK)
        cred = load_credential(twin)
        assert cred is not None
        outbox.fill_outbox(twin, cred.hub_public_key, cred.station_id)
        queue = outbox.pending(twin, 10**6)
        from sync.client import HmacAuth

        session = requests.Session()
        auth = HmacAuth(cred.station_id, cred.secret, "", time.time)

        def post(body: bytes) -> None:
            response = session.post(
                hub.url + "/v1/push",
                data=body,
                auth=auth,
                headers={"Content-Type": "application/json"},
                timeout=(10, 300),  # never hang the bench on a lost answer
            )
            response.raise_for_status()

        post(PushRequest(items=queue[:MAX_PUSH_ITEMS]).model_dump_json().encode())  # the hub's warm-up
        bodies = [
            PushRequest(items=b).model_dump_json().encode() for b in split_batches(queue[MAX_PUSH_ITEMS:])
        ]

        from sync.client import HubClient

        phases = Phases()
        for name in PHASES:
            phases.wrap(outbox, name)
        phases.wrap(HubClient, "push", "http_push")
        t0 = time.perf_counter()
        push_report = SyncEngine(station).run_once()
        push_s = time.perf_counter() - t0
        assert push_report.complete and push_report.acknowledged >= args.records, push_report
        breakdown = phases.report()
        print(f"push of {args.records:,} records: {push_s:.2f} s", file=sys.stderr)
        for key, spent in breakdown.items():
            what = PHASES.get(key, "the HTTP exchanges (the hub's work and the wire)")
            print(
                f"  {key:14} {spent['wall_s']:6.2f} s wall {spent['cpu_s']:6.2f} s CPU  {what}",
                file=sys.stderr,
            )
        phases.restore()  # the twin below runs without the timers

        # The same push bodies again with plain requests from the twin (no sealing, no outbox).
        t0 = time.perf_counter()
        for body in bodies:
            post(body)
        plain_s = time.perf_counter() - t0

        if args.skip_pull:
            hub.stop()
            station.close()
            twin.close()
            _print_push(args.records, push_s, plain_s, breakdown)
            return
        # 10,000 status updates at the hub, then one pull pass.
        from server.core.db import make_engine, session_factory, transaction
        from server.core.keys import load_key_file
        from server.services.feed import update_request_status

        keys = load_key_file(work / "hub" / "hub-keys.json")
        engine = make_engine(db_url, pool_size=2)
        ids = [r.id for r in station.requests.list(limit=10**6)]
        t0 = time.perf_counter()
        with transaction(session_factory(engine)) as hub_session:
            for request_id in ids:
                update_request_status(hub_session, keys, request_id, HubStatus.DONE, "已办结", "staff:bench")
        staff_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pull_report = SyncEngine(station).run_once()
        pull_s = time.perf_counter() - t0
        assert pull_report.complete and pull_report.pulled >= len(ids), pull_report
        engine.dispose()
    finally:
        hub.stop()

    result = {
        "hub_db": "postgresql" if db_url.startswith("postgresql") else "sqlite",
        "records": args.records,
        "push": {
            "seconds": round(push_s, 2),
            "records_per_s": round(args.records / push_s),
            "sealed": push_report.sealed,
            "acknowledged": push_report.acknowledged,
        },
        "plain_post_same_bytes": {
            "seconds": round(plain_s, 2),
            "records_per_s": round(args.records / plain_s),
        },
        "protocol_overhead_ratio": round(push_s / plain_s, 2),
        "pull": {
            "updates": pull_report.pulled,
            "seconds": round(pull_s, 2),
            "updates_per_s": round(pull_report.pulled / pull_s),
            "goal_updates_per_s": PULL_GOAL_PER_S,
            "goal_met": pull_report.pulled / pull_s >= PULL_GOAL_PER_S,
        },
        "hub_staff_updates_s": round(staff_s, 2),
        "push_breakdown": breakdown,
        "goal_10k_up_le_10s": push_s <= 10.0,
    }
    station.close()
    twin.close()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    _print_push(args.records, push_s, plain_s, breakdown)
    rate = pull_report.pulled / pull_s
    print(
        f"{pull_report.pulled:,} status updates down  {pull_s:.2f} s ({rate:.0f}/s)   "
        f"goal ≥ {PULL_GOAL_PER_S:,}/s: {'met' if rate >= PULL_GOAL_PER_S else 'NOT met'}"
    )


def _print_push(records: int, push_s: float, plain_s: float, breakdown: dict[str, Any]) -> None:
    ratio = push_s / plain_s
    print(
        f"{records:,} records up  {push_s:.2f} s ({records / push_s:.0f} records/s) = {ratio:.2f}× "
        f"a plain POST of the same bytes ({plain_s:.2f} s)   goal ≤ 2×: {'met' if ratio <= 2 else 'NOT met'}"
        + (f"   10,000 up within 10 s: {'met' if push_s <= 10 else 'NOT met'}" if records >= 10_000 else "")
    )
    print("  " + " · ".join(f"{k} {v['wall_s']:.2f} s" for k, v in breakdown.items()))


if __name__ == "__main__":
    main()
