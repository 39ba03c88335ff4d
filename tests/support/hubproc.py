"""Start a real hub (`yizhan-hub serve`, uvicorn) in a subprocess on a free loopback port.

`init_hub` creates the home (key file, config) and schema in-process; `running_hub` starts the
server, waits for /v1/health, and stops it (SIGTERM, then SIGKILL) at the end. `restart()` lets a
test kill the hub mid-run and bring it back on the same port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.ports import free_port


def init_hub(home: Path, db_url: str) -> None:
    from server.cli import main

    if main(["init", "--home", str(home), "--db", db_url]) != 0:
        raise RuntimeError("yizhan-hub init failed")


@dataclass
class HubProcess:
    home: Path
    db_url: str
    port: int
    workers: int = 1
    log_path: Path | None = None
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        cmd = [
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--home",
            str(self.home),
            "--db",
            self.db_url,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        log = open(self.log_path or os.devnull, "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited early with {self.proc.returncode}; see {self.log_path}")
            try:
                if requests.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("hub did not become healthy in time")

    def stop(self, *, kill: bool = False) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        # The hub runs in its own session: signal the group so uvicorn workers go too.
        os.killpg(self.proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def restart(self, *, kill: bool = True) -> None:
        self.stop(kill=kill)
        self.start()


@contextmanager
def running_hub(
    home: Path, db_url: str, *, workers: int = 1, port: int | None = None
) -> Iterator[HubProcess]:
    hub = HubProcess(
        home=home, db_url=db_url, port=port or free_port(), workers=workers, log_path=home / "hub.log"
    )
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()
