"""One running hub for tests: the HTTP process plus in-process access to its database, keys and CLI,
and the staff-side actions tests need (status updates) and the facts they check (what the hub holds,
a station's feed). Shared by tests/hub, tests/sync and tests/console."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from server.core.keys import HubKeys, load_key_file
from tests.support.hubproc import HubProcess, init_hub, running_hub


@dataclass
class HubHandle:
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

    def cli(self, *args: str, env: Mapping[str, str] | None = None) -> tuple[int, str]:
        """`yizhan-hub ARGS` in-process against this hub; (exit code, stdout)."""
        from server.cli import main

        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()), _env(env or {}):
            code = main([*args, "--home", str(self.home), "--db", self.db_url])
        return code, out.getvalue()

    def run(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Like `cli`, for commands that must succeed; returns their trimmed output."""
        code, out = self.cli(*args, env=env)
        assert code == 0, f"yizhan-hub {' '.join(args)} exited {code}"
        return out.strip()

    def enrol_code(self, name: str) -> str:
        return self.run("enrol-code", "--station", name)

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
            # Three columns, not whole rows: the soak asks once a round, of a table that keeps growing.
            rows = session.execute(
                select(ServiceRequest.id, ServiceRequest.receipt_code, ServiceRequest.status).where(
                    ServiceRequest.station_id == sid
                )
            )
            return {rid: (code, status) for rid, code, status in rows}

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


@contextlib.contextmanager
def _env(values: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextlib.contextmanager
def started_hub(
    backend: str,
    db_url: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    prefix: str = "yizhan-hub-",
) -> Iterator[HubHandle]:
    """`yizhan-hub init` on a fresh home, then `serve` over HTTP until the block ends. `env` is set
    for the hub process (e.g. a shorter console refresh)."""
    home = Path(tempfile.mkdtemp(prefix=f"{prefix}{backend}-"))
    db_url = db_url or f"sqlite:///{home / 'hub.sqlite3'}"
    init_hub(home, db_url)
    with _env(env or {}), running_hub(home, db_url) as proc:
        handle = HubHandle(backend, proc, load_key_file(home / "hub-keys.json"))
        try:
            yield handle
        finally:
            if handle._engine is not None:
                handle._engine.dispose()


@contextlib.contextmanager
def hub_on(
    request: pytest.FixtureRequest,
    backend: str,
    *,
    database: str = "hub",
    env: Mapping[str, str] | None = None,
    prefix: str = "yizhan-hub-",
) -> Iterator[HubHandle]:
    """The one way the suite's shared hubs start: `started_hub` on `backend` — for "postgresql" a
    fresh database named after `database` in the session's throwaway cluster (`postgres_cluster`,
    only started when a test asks for it), else SQLite in the hub's own home."""
    db_url = (
        request.getfixturevalue("postgres_cluster").create_database(database)
        if backend == "postgresql"
        else None
    )
    with started_hub(backend, db_url, env=env, prefix=prefix) as handle:
        yield handle
