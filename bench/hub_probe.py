"""In-process probe of the hub's sync transactions: round trips to PostgreSQL and CPU per request.

Runs the very functions the push and pull routes run (server/api/routes/sync.py →
api/deps.signed_transaction → services/records.ingest or services/feed.pull) on the hub's own
engine, with libpq's protocol trace on the connection: every run of messages the client sends, up
to the server's first answer, is one wait for the server — one round trip, however many
statements it carried. Reported per request: round trips, the statements sent (COMMIT counted,
BEGIN not), and the hub process's CPU (PostgreSQL's own work is not in it).

    .venv/bin/python bench/hub_probe.py [--batch 20] [--pushes 30]

bench/hub_load.py prints the same figures beside its load figures (it calls `probe`).
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from psycopg import pq
from sqlalchemy import Connection, event

from bench.hub_load import push_body
from server.api.deps import signed_transaction
from server.api.routes import sync as sync_routes
from server.api.state import HubState
from server.core.config import load_settings
from server.core.db import session_factory, transaction
from server.main import create_app
from server.services import feed, records, stations, topic_queue
from server.services.station_auth import NonceClaim, SignedStation
from sync.protocol import PushRequest

assert sync_routes  # the routes whose work is reproduced below


class Trace:
    """libpq's trace of every connection the engine hands out, read back per request."""

    def __init__(self, engine: Any) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 — kept open for the probe's life
        event.listen(engine, "checkout", self._on_checkout)
        event.listen(engine, "checkin", self._on_checkin)

    def _on_checkout(self, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        dbapi_conn.pgconn.trace(self.file.fileno())
        dbapi_conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def _on_checkin(self, dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.pgconn.untrace()

    @contextmanager
    def counting(self) -> Iterator[dict[str, int]]:
        """Round trips and statements sent inside the block."""
        counts = {"round_trips": 0, "statements": 0}
        self.file.seek(0, 2)
        start = self.file.tell()
        yield counts
        self.file.seek(start)
        sending = False
        for line in self.file.read().decode("utf-8", "replace").splitlines():
            parts = line.split("\t")
            if len(parts) < 3:
                continue
            if parts[0] == "B":
                sending = False
                continue
            # A run of messages from the client ends where the server's answer is read: one round
            # trip however many statements (and pipeline Syncs) the run carried.
            counts["round_trips"] += not sending
            sending = True
            kind = parts[2].split(" ")[0]
            counts["statements"] += kind in ("Query", "Execute") and '"BEGIN"' not in line


def probe(db_url: str, home: Path, batch: int = 20, pushes: int = 30) -> dict[str, Any]:
    """Round trips, statements and hub CPU per push (of `batch` new records), per duplicate push
    and per pull, through the routes' own transaction code on a fresh station of this hub."""
    app = create_app(load_settings(home, db_url))
    state: HubState = app.state.hub
    trace = Trace(state.engine)
    with transaction(session_factory(state.engine)) as s:
        code = stations.create_enrolment_code(s, f"probe-{uuid.uuid4().hex[:8]}")
        station, _secret = stations.enrol(s, state.keys, code)
        station_id, name, secret_enc, prefix = (
            station.id,
            station.name,
            station.secret_enc,
            station.receipt_prefix,
        )
    assert secret_enc is not None
    bodies = [push_body(state.keys.public_key, prefix or "P01", batch, r)[0] for r in range(pushes)]

    def signed() -> SignedStation:
        return SignedStation(station_id, name, secrets.token_hex(16), secret_enc)

    def push(body: bytes) -> tuple[dict[str, int], float]:
        request = PushRequest.model_validate_json(body)  # as FastAPI parses it

        def work(conn: Connection, claim: NonceClaim) -> Any:
            return records.ingest(conn, state.keys, station_id, request.items, claim)

        with trace.counting() as counts:
            cpu = time.process_time()
            results = signed_transaction(state, signed(), work, claims=True)
            cpu = time.process_time() - cpu
        assert len(results) == batch and all(r.hub_has_it for r in results), results
        return counts, cpu

    def pull() -> tuple[dict[str, int], float]:
        def work(conn: Connection, _claim: NonceClaim) -> Any:
            return feed.pull(conn, state.keys, station_id, 0, 500, state.broadcasts)

        with trace.counting() as counts:
            cpu = time.process_time()
            signed_transaction(state, signed(), work)
            cpu = time.process_time() - cpu
        return counts, cpu

    push(bodies[0])  # warm: credential, prefix pin, prepared statements
    worker = topic_queue.TopicWorker(state.engine)
    worker.run_once()  # warm: jieba's dictionary
    fresh = [push(b) for b in bodies[1:]]
    # The pushes' topic words, found off the request path (the hub's background worker): its CPU
    # is hub CPU too (bench/hub_load.py counts it), spread over the pushes it drained.
    cpu = time.process_time()
    drained = worker.run_once()
    topics_ms = 1000 * (time.process_time() - cpu) / max(1, len(fresh))
    assert drained == batch * len(fresh), drained
    again = [push(b) for b in bodies[1:6]]
    pulls = [pull() for _ in range(10)]
    state.engine.dispose()

    def summary(runs: list[tuple[dict[str, int], float]]) -> dict[str, float]:
        return {
            "round_trips": statistics.median(c["round_trips"] for c, _ in runs),
            "statements": statistics.median(c["statements"] for c, _ in runs),
            "cpu_ms": round(1000 * statistics.median(cpu for _, cpu in runs), 2),
        }

    return {
        "batch": batch,
        "push": {**summary(fresh), "topics_cpu_ms": round(topics_ms, 2)},
        "duplicate_push": summary(again),
        "pull": summary(pulls),
    }


def describe(result: dict[str, Any]) -> str:
    push, dup, pull = result["push"], result["duplicate_push"], result["pull"]
    return (
        f"per push of {result['batch']} new records: {push['round_trips']:.0f} round trips to PostgreSQL "
        f"({push['statements']:.0f} statements), {push['cpu_ms']:.1f} ms hub CPU (+ "
        f"{push.get('topics_cpu_ms', 0):.1f} ms finding its topic words off the request path) · "
        f"duplicate push "
        f"{dup['round_trips']:.0f} round trips, {dup['cpu_ms']:.1f} ms · pull {pull['round_trips']:.0f} "
        f"round trips, {pull['cpu_ms']:.1f} ms"
    )


def main() -> int:
    from server.cli import main as hub_cli
    from tests.support.pgcluster import pg_cluster

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--pushes", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with pg_cluster() as cluster:
        db_url = cluster.create_database("probe")
        home = Path(tempfile.mkdtemp(prefix="yizhan-probe-"))
        if hub_cli(["init", "--home", str(home), "--db", db_url]) != 0:
            return 1
        result = probe(db_url, home, args.batch, args.pushes)
    print(describe(result))
    if args.json:
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
