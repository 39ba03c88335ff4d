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


def _wait_for_a_request(log: Path, errors: Path) -> None:
    """Until the writer has reported at least one committed request (however slow the machine)."""
    deadline = time.monotonic() + 120
    while not any(line.startswith("request ") for line in log.read_text(encoding="utf-8").splitlines()):
        assert time.monotonic() < deadline, errors.read_text(encoding="utf-8")[-3000:]
        time.sleep(0.005)


@pytest.mark.slow
def test_sigkill_never_loses_a_committed_record(station: Station, data_dir: Path) -> None:
    station.close()
    rng = random.Random(20261125)
    reported_residents: set[str] = set()
    reported_requests: dict[str, str] = {}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    errors = data_dir.parent / "writer-errors.txt"
    # One fork server (tests/core/crash_writer.py --forks) forks each writer: every writer is a fresh
    # process that opens the station and is SIGKILLed, without an interpreter start-up per kill.
    with (
        errors.open("w", encoding="utf-8") as stderr,
        subprocess.Popen(
            [sys.executable, "-m", "tests.core.crash_writer", "--forks"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        ) as forks,
    ):
        assert forks.stdin is not None and forks.stdout is not None
        for round_no in range(KILLS):
            log = data_dir.parent / f"writer-{round_no}.txt"
            log.touch()
            forks.stdin.write(f"{data_dir}\t{round_no * 1000}\t{log}\n")
            forks.stdin.flush()
            pid = int(forks.stdout.readline() or 0)
            assert pid, errors.read_text(encoding="utf-8")[-3000:]
            _wait_for_a_request(log, errors)
            time.sleep(rng.uniform(0.0, 0.15))  # then kill at a random moment
            os.kill(pid, signal.SIGKILL)
            status = int(forks.stdout.readline())
            assert os.waitstatus_to_exitcode(status) == -signal.SIGKILL, errors.read_text(encoding="utf-8")
            out = log.read_text(encoding="utf-8")
            for line in out[: out.rfind("\n") + 1].splitlines():  # whole lines only
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "resident":
                    reported_residents.add(parts[1])
                elif len(parts) == 3 and parts[0] == "request":
                    reported_requests[parts[1]] = parts[2]
        forks.stdin.close()
        assert forks.wait(timeout=60) == 0
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
