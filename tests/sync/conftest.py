"""Fixtures for station↔hub sync tests: a real hub over HTTP (SQLite and PostgreSQL), real encrypted
stations enrolled with it, and the hub-side staff actions tests need (status updates, notices)."""

from __future__ import annotations

import contextlib
import itertools
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from models.station import Actor, Station
from server.core.keys import HubKeys, load_key_file
from sync.client import enrol
from sync.credentials import save_credential
from tests.support import pgcluster
from tests.support.hubproc import HubProcess, init_hub, running_hub

PASSPHRASE = "sync test passphrase"
BACKENDS = ["sqlite", "postgresql"]
_names = itertools.count(1)


@dataclass
class Hub:
    backend: str
    process: HubProcess
    keys: HubKeys
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return self.process.url

    def engine(self) -> Engine:
        if self._engine is None:
            from server.core.db import make_engine

            self._engine = make_engine(self.process.db_url, pool_size=2)
        return self._engine

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        from server.core.db import session_factory, transaction

        with transaction(session_factory(self.engine())) as session:
            yield session

    def enrol_code(self, name: str) -> str:
        import io

        from server.cli import main

        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            assert main(["enrol-code", "--station", name, "--home", str(self.process.home), "--db", self.process.db_url]) == 0
        return out.getvalue().strip()

    def set_status(self, request_id: str, status: str, reply: str | None = None) -> None:
        from server.services.feed import update_request_status
        from sync.protocol import HubStatus

        with self.session() as session:
            update_request_status(session, self.keys, request_id, HubStatus(status), reply, "staff:test")

    def station_requests(self, station_name: str) -> dict[str, tuple[str, str]]:
        """id → (receipt code, status) of every request the hub holds for a station."""
        from server.db.models import ServiceRequest
        from server.db.models import Station as HubStation

        with self.session() as session:
            sid = session.execute(select(HubStation.id).where(HubStation.name == station_name)).scalar_one()
            rows = session.execute(select(ServiceRequest).where(ServiceRequest.station_id == sid)).scalars()
            return {r.id: (r.receipt_code, r.status) for r in rows}

    def feed_seqs(self, station_name: str) -> set[int]:
        """Sequence numbers of every change in this station's feed (its own and broadcasts)."""
        from server.db.models import ChangeRow
        from server.db.models import Station as HubStation

        with self.session() as session:
            sid = session.execute(select(HubStation.id).where(HubStation.name == station_name)).scalar_one()
            rows = session.execute(
                select(ChangeRow.seq).where((ChangeRow.station_id == sid) | ChangeRow.station_id.is_(None))
            ).scalars()
            return set(rows)


@pytest.fixture(scope="session")
def sync_pg() -> Iterator[pgcluster.PgCluster]:
    assert pgcluster.available(), "PostgreSQL server binaries are missing: run scripts/setup.sh"
    with pgcluster.pg_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session", params=BACKENDS)
def hub(request: pytest.FixtureRequest) -> Iterator[Hub]:
    home = Path(tempfile.mkdtemp(prefix="yizhan-sync-hub-"))
    if request.param == "postgresql":
        db_url = request.getfixturevalue("sync_pg").create_database("synchub")
    else:
        db_url = f"sqlite:///{home / 'hub.sqlite3'}"
    init_hub(home, db_url)
    with running_hub(home, db_url) as proc:
        handle = Hub(request.param, proc, load_key_file(home / "hub-keys.json"))
        yield handle
        if handle._engine is not None:
            handle._engine.dispose()


@dataclass
class EnrolledStation:
    name: str
    station: Station
    data_dir: Path


@pytest.fixture
def enrolled(hub: Hub, tmp_path: Path) -> Iterator[Callable[..., EnrolledStation]]:
    made: list[Station] = []

    def make(prefix: str = "A") -> EnrolledStation:
        n = next(_names)
        name = f"{prefix}站{n:03d}-{tmp_path.name[-6:]}"
        data_dir = tmp_path / f"station{n}"
        station = Station.create(data_dir, PASSPHRASE, name=name, prefix=f"{prefix}{n:02d}")
        save_credential(station, enrol(hub.url, hub.enrol_code(name)), Actor("admin", "test"))
        made.append(station)
        return EnrolledStation(name, station, data_dir)

    yield make
    for station in made:
        station.close()
