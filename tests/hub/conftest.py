"""Fixtures for hub tests: a throwaway PostgreSQL, a real hub over HTTP, enrolled stations.

- `postgres_cluster` (session): initdb + pg_ctl on a temp dir and a free port (as the `postgres`
  user via runuser when running as root), stopped and deleted at the end.
- `hub` (session, parametrized "sqlite" | "postgresql"): `yizhan-hub init` on a fresh home and
  database, then `yizhan-hub serve` under uvicorn in a subprocess on 127.0.0.1:<free port>. Every
  test that uses it runs once per backend. Tests share one hub per backend, so each test makes
  its own stations (unique names) and asserts only on its own data.
- `station` / `make_station`: enrol stations over HTTP and hand back a `HubClient`.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from server.core.keys import HubKeys, load_key_file
from sync.client import HubClient, StationCredential, enrol
from sync.protocol import Envelope, RecordKind
from sync.sealing import seal_envelope
from tests.support import pgcluster
from tests.support.hubproc import HubProcess, init_hub, running_hub

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[pgcluster.PgCluster]:
    # Never a silent skip: the README's set-up installs PostgreSQL, so its absence is a failure.
    assert pgcluster.available(), "PostgreSQL server binaries are missing: run scripts/setup.sh"
    with pgcluster.pg_cluster() as cluster:
        yield cluster


@dataclass
class HubHandle:
    """A running hub plus in-process access to its database and CLI (for staff-side actions)."""

    backend: str
    process: HubProcess
    keys: HubKeys
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return self.process.url

    @property
    def db_url(self) -> str:
        return self.process.db_url

    @property
    def home(self) -> Path:
        return self.process.home

    def engine(self) -> Engine:
        if self._engine is None:
            from server.core.db import make_engine

            self._engine = make_engine(self.db_url, pool_size=2)
        return self._engine

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        from server.core.db import session_factory, transaction

        with transaction(session_factory(self.engine())) as session:
            yield session

    def cli(self, *args: str) -> tuple[int, str]:
        from server.cli import main

        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main([*args, "--home", str(self.home), "--db", self.db_url])
        return code, out.getvalue()

    def enrol_code(self, name: str) -> str:
        code, out = self.cli("enrol-code", "--station", name)
        assert code == 0
        return out.strip()


@pytest.fixture(scope="session", params=BACKENDS)
def hub(request: pytest.FixtureRequest) -> Iterator[HubHandle]:
    home = Path(tempfile.mkdtemp(prefix="yizhan-hub-"))
    if request.param == "postgresql":
        db_url = request.getfixturevalue("postgres_cluster").create_database()
    else:
        db_url = f"sqlite:///{home / 'hub.sqlite3'}"
    init_hub(home, db_url)
    with running_hub(home, db_url) as proc:
        handle = HubHandle(backend=request.param, process=proc, keys=load_key_file(home / "hub-keys.json"))
        yield handle
        if handle._engine is not None:
            handle._engine.dispose()
    shutil.rmtree(home, ignore_errors=True)


_names = itertools.count(1)


def unique_name(prefix: str = "S") -> str:
    return f"{prefix}{next(_names):03d}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def make_station(hub: HubHandle) -> Iterator[Callable[..., HubClient]]:
    clients: list[HubClient] = []

    def make(name: str | None = None, **kwargs: Any) -> HubClient:
        cred = enrol(hub.url, hub.enrol_code(name or unique_name()))
        client = HubClient(cred, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def station(make_station: Callable[..., HubClient]) -> HubClient:
    return make_station()


_seq = itertools.count(1)


def make_payload(receipt: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "service": extra.pop("service", "subsidy_application"),
        "receipt_code": receipt or f"A07-{next(_seq):05d}",
        "resident": {"name": "张秀英", "id_number": "320102195001011234", "phone": "13800138000"},
        "fields": {"reason": "高龄补贴"},
        "created_at": datetime.now(UTC).isoformat(),
        **extra,
    }


def make_envelope(
    cred: StationCredential,
    payload: dict[str, Any] | None = None,
    *,
    record_id: uuid.UUID | None = None,
    kind: RecordKind = RecordKind.SERVICE_REQUEST,
) -> Envelope:
    return seal_envelope(
        record_id=record_id or uuid.uuid4(),
        kind=kind,
        station_seq=next(_seq),
        created_at=datetime.now(UTC),
        payload=payload or make_payload(),
        hub_public_key=cred.hub_public_key,
    )
