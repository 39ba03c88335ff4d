"""A hub restored from an earlier backup: the station's cursor is ahead of the hub's feed (409
cursor_ahead). The station resets its cursor, re-applies the restored feed, and re-pushes what the
hub lost — afterwards every record is at the hub exactly once and new answers reach the station.

Real hub over HTTP on SQLite and PostgreSQL; the "backup" is a copy of the hub's database taken
while the hub was stopped, restored the same way.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.station import KIOSK, Actor, Station
from sync.client import enrol
from sync.credentials import save_credential
from sync.engine import SyncEngine
from tests.support.hubhandle import HubHandle, started_hub
from tests.support.pgcluster import SUPERUSER, PgCluster
from tests.sync.conftest import PASSPHRASE

Snapshot = Callable[[], Callable[[], None]]


@pytest.fixture(params=["sqlite", "postgresql"])
def restorable_hub(request: pytest.FixtureRequest) -> Iterator[tuple[HubHandle, Snapshot]]:
    """A hub of its own (restoring the shared one would hurt other tests) and `snapshot()`, which
    copies its database now and returns `restore()`, which puts that copy back."""
    pg: PgCluster | None = (
        request.getfixturevalue("postgres_cluster") if request.param == "postgresql" else None
    )
    db_url = pg.create_database("restorehub") if pg else None
    with started_hub(request.param, db_url, prefix="yizhan-restore-hub-") as hub:

        def stopped(action: Callable[[], None]) -> None:
            if hub._engine is not None:  # no connection may stay open on a database being copied
                hub._engine.dispose()
                hub._engine = None
            hub.process.stop()
            action()
            hub.process.start()

        def snapshot() -> Callable[[], None]:
            if pg is None:
                live, copy = Path(hub.db_url.removeprefix("sqlite:///")), hub.home / "backup.sqlite3"
                stopped(lambda: _sqlite_copy(live, copy))

                def restore_sqlite() -> None:
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{live}{suffix}").unlink(missing_ok=True)
                    shutil.copyfile(copy, live)

                return lambda: stopped(restore_sqlite)
            name, backup = hub.db_url.rsplit("/", 1)[1], f"backup_{uuid.uuid4().hex[:8]}"
            stopped(lambda: _pg(pg, _KICK.format(name), f'CREATE DATABASE "{backup}" TEMPLATE "{name}"'))
            return lambda: stopped(
                lambda: _pg(
                    pg,
                    _KICK.format(name),
                    f'DROP DATABASE "{name}"',
                    f'CREATE DATABASE "{name}" TEMPLATE "{backup}"',
                )
            )

        yield hub, snapshot


def _sqlite_copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


# In-process helpers (the hub CLI run by the test) may keep a pooled connection; an admin restoring
# a backup ends such sessions first.
_KICK = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()"
)


def _pg(pg: PgCluster, *statements: str) -> None:
    import psycopg

    with psycopg.connect(
        f"host=127.0.0.1 port={pg.port} user={SUPERUSER} dbname=postgres", autocommit=True
    ) as conn:
        for sql in statements:
            conn.execute(sql)


def _receipt_counts(hub: HubHandle) -> dict[str, int]:
    """Receipt code → how many hub requests carry it (ids are the primary key; counting by receipt
    code also catches a record stored twice under two ids)."""
    from server.db.models import ServiceRequest

    with hub.session() as session:
        rows = session.execute(
            select(ServiceRequest.receipt_code, func.count()).group_by(ServiceRequest.receipt_code)
        ).all()
    return {str(code): int(n) for code, n in rows}


def test_station_recovers_from_a_hub_restored_from_backup(
    restorable_hub: tuple[HubHandle, Snapshot], tmp_path: Path
) -> None:
    hub, snapshot = restorable_hub
    name = f"恢复站-{tmp_path.name[-6:]}"
    station = Station.create(tmp_path / "st", PASSPHRASE, name=name, prefix="R01")
    try:
        save_credential(station, enrol(hub.url, hub.enrol_code(name)), Actor("admin", "test"))
        early = [
            station.requests.submit("problem_report", {"description": f"早{i}"}, KIOSK) for i in range(3)
        ]
        engine = SyncEngine(station)
        assert engine.run_once().complete
        hub.set_status(early[0].id, "received")
        assert engine.run_once().pulled == 1

        restore = snapshot()  # the hub's backup: knows the early records and one status change

        late = [station.requests.submit("problem_report", {"description": f"晚{i}"}, KIOSK) for i in range(4)]
        first = engine.run_once()
        assert first.complete and first.acknowledged >= 4
        for record in early[1:]:
            hub.set_status(record.id, "in_progress")
        assert engine.run_once().pulled == 2
        cursor_before = engine.run_once().cursor
        assert cursor_before >= 3

        restore()  # the hub lost the late records and every later change; its feed ends below our cursor

        report = engine.run_once()
        assert report.error is None, report.error
        assert report.cursor_reset and report.complete and report.waiting == 0
        assert report.quarantined == 0
        at_hub = hub.station_requests(name)
        assert set(at_hub) >= {r.id for r in early + late}  # the lost late records were re-pushed
        counts = _receipt_counts(hub)
        assert all(counts[r.receipt_code or ""] == 1 for r in early + late), counts
        assert station.requests.get(early[0].id).state == "RECEIVED"  # the restored feed re-applied

        # The restored hub numbers its changes anew, below the station's old cursor: still applied.
        hub.set_status(early[2].id, "done", "恢复之后办好了")  # had a higher hub seq before the restore
        after = engine.run_once()
        assert after.complete and not after.cursor_reset and after.pulled == 1
        assert station.requests.get(early[2].id).reply == "恢复之后办好了"
        engine.close()
    finally:
        station.close()
