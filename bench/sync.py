"""Benchmark sync over loopback against a real hub (SQLite by default, or --db URL for PostgreSQL).

10,000 queued records pushed and 10,000 status updates pulled, beside posting the same request
bytes with plain `requests` (no sealing, no bookkeeping) in the same run. Prints JSON.
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

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.station import KIOSK, Actor, Station
from sync import outbox
from sync.client import enrol, split_batches
from sync.credentials import load_credential, save_credential
from sync.engine import SyncEngine
from sync.protocol import HubStatus, PushRequest
from tests.support.hubproc import HubProcess, init_hub
from tests.support.ports import free_port

START_TIMEOUT = 180.0  # a loaded 2-core machine takes 10 s or more to import a hub worker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--db", default=None, help="hub database URL (default: SQLite in a temp dir)")
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
            station.requests.submit("problem_report", {"description": f"第{i}件：路灯不亮"}, KIOSK)

        t0 = time.perf_counter()
        push_report = SyncEngine(station).run_once()
        push_s = time.perf_counter() - t0
        assert push_report.complete and push_report.acknowledged >= args.records

        # The same push bodies again with plain requests to a second station (no sealing, no outbox).
        twin = Station.create(work / "twin", "bench passphrase", name="twin", prefix="Z02")
        twin_cred = enrol(hub.url, code("twin"))
        save_credential(twin, twin_cred, Actor("admin", "bench"))
        for i in range(args.records):
            twin.requests.submit("problem_report", {"description": f"第{i}件：路灯不亮"}, KIOSK)
        cred = load_credential(twin)
        assert cred is not None
        outbox.fill_outbox(twin, cred.hub_public_key, cred.station_id)
        bodies = [
            PushRequest(items=b).model_dump_json().encode()
            for b in split_batches(outbox.pending(twin, 10**6))
        ]
        from sync.client import HmacAuth

        session = requests.Session()
        auth = HmacAuth(cred.station_id, cred.secret, "", time.time)
        t0 = time.perf_counter()
        for body in bodies:
            response = session.post(
                hub.url + "/v1/push", data=body, auth=auth, headers={"Content-Type": "application/json"}
            )
            response.raise_for_status()
        plain_s = time.perf_counter() - t0

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
        assert pull_report.complete and pull_report.pulled >= len(ids)
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
        },
        "hub_staff_updates_s": round(staff_s, 2),
        "goal_10k_up_le_10s": push_s <= 10.0,
    }
    station.close()
    twin.close()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    ratio = result["protocol_overhead_ratio"]
    print(
        f"{args.records:,} records up  {push_s:.2f} s ({args.records / push_s:.0f} records/s) = {ratio:.2f}× "
        f"a plain POST of the same bytes ({plain_s:.2f} s)   goal ≤ 2×: {'met' if ratio <= 2 else 'NOT met'}"
    )
    print(
        f"{pull_report.pulled:,} status updates down  {pull_s:.2f} s ({pull_report.pulled / pull_s:.0f}/s)"
        + (
            f"   10,000 up within 10 s: {'met' if push_s <= 10 else 'NOT met'}"
            if args.records >= 10_000
            else ""
        )
    )


if __name__ == "__main__":
    main()
