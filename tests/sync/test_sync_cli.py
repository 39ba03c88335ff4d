"""`yizhan sync` against a real hub: without --once it syncs in the foreground until Ctrl-C and exits
cleanly; a station the hub revoked stops (exit 3) with the reason in plain words instead of retrying;
the hub refuses another protocol version with a code the station turns into "upgrade"."""

from __future__ import annotations

import hashlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from models.station import KIOSK
from sync.engine import SyncEngine
from sync.loop import SyncLoop
from tests.sync.conftest import PASSPHRASE, EnrolledStation, Hub

ROOT = Path(__file__).resolve().parents[2]


def _yizhan(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "YIZHAN_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    # A test run started in the background by a non-interactive shell inherits SIGINT ignored, and a
    # Python started that way never turns Ctrl-C into KeyboardInterrupt: give the child the default.
    return subprocess.Popen(
        [sys.executable, "-m", "desktop.cli", *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _read_until(proc: subprocess.Popen[str], needle: str, timeout: float = 60.0) -> str:
    """stdout lines until one contains `needle` (fails on timeout or early exit)."""
    assert proc.stdout is not None
    seen = ""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sel.select(0.2):
            line = proc.stdout.readline()
            if not line:
                break
            seen += line
            if needle in line:
                return seen
    raise AssertionError(f"{needle!r} not printed; got {seen!r}")


# The command's behaviour does not depend on the hub's database: SQLite only, to keep the suite quick.
SQLITE_ONLY = pytest.mark.parametrize("hub", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_foreground_sync_runs_until_ctrl_c(hub: Hub, enrolled: Callable[..., EnrolledStation]) -> None:
    st = enrolled()
    first = st.station.requests.submit("problem_report", {"description": "前台同步"}, KIOSK)
    st.station.close()  # the command opens the station itself
    proc = _yizhan("sync", "--data-dir", str(st.data_dir))
    try:
        _read_until(proc, "in sync: waiting 0")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "sync stopped" in out and "Traceback" not in err
    assert first.id in hub.station_requests(st.name)


@SQLITE_ONLY
def test_revoked_station_stops_with_plain_words(hub: Hub, enrolled: Callable[..., EnrolledStation]) -> None:
    st = enrolled()
    st.station.requests.submit("problem_report", {"description": "被停用之前"}, KIOSK)
    hub.run("revoke", st.name)
    loop = SyncLoop(st.station)
    loop.start()
    try:
        deadline = time.monotonic() + 30
        while loop.snapshot.stopped is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert loop.snapshot.stopped == "revoked" and loop.snapshot.waiting == 1
    finally:
        loop.stop()
    st.station.close()
    once = _yizhan("sync", "--data-dir", str(st.data_dir), "--once")
    _out, err = once.communicate(timeout=120)
    assert once.returncode == 3 and "本站已被中心停用，请联系管理员" in err
    forever = _yizhan("sync", "--data-dir", str(st.data_dir))  # stops by itself: nothing to retry
    out, err = forever.communicate(timeout=120)
    assert forever.returncode == 3 and "本站已被中心停用" in out, (out, err)


def test_hub_refuses_another_protocol_version(hub: Hub, enrolled: Callable[..., EnrolledStation]) -> None:
    from sync.credentials import load_credential

    st = enrolled()
    credential = load_credential(st.station)
    assert credential is not None
    engine = SyncEngine(st.station)
    client = engine._client_of(credential)
    item = {
        "id": str(uuid.uuid4()),
        "kind": "service_request",
        "station_seq": 1,
        "created_at": "2025-01-02T03:04:05+08:00",
        "sealed_payload": "AAAA",
        "sha256": hashlib.sha256(b"\0\0\0").hexdigest(),
    }
    for path, body in [
        ("/v1/push", {"protocol": 2, "items": [item]}),
        ("/v1/enrol", {"protocol": 2, "code": "ABCD-EFGH"}),
    ]:
        data = json.dumps(body).encode()
        if path == "/v1/enrol":
            answer = requests.post(
                hub.url + path, data=data, headers={"Content-Type": "application/json"}, timeout=30
            )
        else:
            answer = client._transport.send(
                "POST", path, body=data, content_type="application/json", auth=client._auth
            )
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["code"] == "unsupported_protocol"
        assert "protocol 1" in answer.json()["error"]["message"]
    engine.close()
