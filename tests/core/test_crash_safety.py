"""SIGKILL a writer at random moments: the database stays consistent and every record the writer
reported as saved is there."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.station import Station
from tests.core.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]
KILLS = 50


@pytest.mark.slow
def test_sigkill_never_loses_a_committed_record(station: Station, data_dir: Path) -> None:
    station.close()
    rng = random.Random(20261125)
    reported_residents: set[str] = set()
    reported_requests: dict[str, str] = {}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_no in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.core.crash_writer", str(data_dir), str(round_no * 1000)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
        # Let at least one request commit (however slow the machine is), then kill at a random moment.
        first: list[str] = []
        while not first or not first[-1].startswith("request"):
            first.append(child.stdout.readline())
            assert first[-1], child.stderr.read() if child.stderr else ""
        time.sleep(rng.uniform(0.0, 0.15))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate()
        out = "".join(first) + rest
        assert child.returncode == -signal.SIGKILL
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "resident":
                reported_residents.add(parts[1])
            elif len(parts) == 3 and parts[0] == "request":
                reported_requests[parts[1]] = parts[2]
    assert len(reported_requests) >= KILLS  # the writer really was interrupted mid-stream, many times

    with sqlite3.connect(data_dir / "station.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        residents = {r[0] for r in conn.execute("SELECT id FROM residents")}
        codes = dict(conn.execute("SELECT id, receipt_code FROM requests").fetchall())
    assert reported_residents <= residents
    for request_id, code in reported_requests.items():
        assert codes.get(request_id) == code
    assert len(set(codes.values())) == len(codes)  # receipt codes stayed unique across crashes

    reopened = Station.open(data_dir, PASSPHRASE)
    with reopened.read() as session:
        assert reopened.audit.verify(session) == []
    sample = rng.sample(sorted(reported_requests), 10)
    assert all(reopened.requests.get(i).receipt_code == reported_requests[i] for i in sample)
    reopened.close()
