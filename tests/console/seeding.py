"""An in-process hub database for console analysis tests (topics, warnings, reports): requests are
stored as the push stores them (ledger row + encrypted request) and indexed by the same push-time
hook (`resident_index.index_pushed`), with the station and hub times the test chooses."""

from __future__ import annotations

import contextlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session, sessionmaker

from server.core.db import make_engine, session_factory, transaction
from server.core.keys import HubKeys, load_key_file
from server.db.models import EnvelopeRow, ServiceRequest, Station
from server.services.records import payload_aad
from server.services.resident_index import Pushed, index_pushed
from tests.support.hubproc import init_hub


@dataclass
class HubDb:
    home: Path
    url: str
    keys: HubKeys
    engine: Engine
    sessions: sessionmaker[Session]
    stations: dict[str, str] = field(default_factory=dict)  # name → id
    _seq: int = 0

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        with transaction(self.sessions) as session:
            yield session

    def station(self, name: str) -> str:
        if name not in self.stations:
            sid = str(uuid.uuid4())
            with self.session() as session:
                session.add(Station(id=sid, name=name, enrolled_at=datetime.now(UTC)))
            self.stations[name] = sid
        return self.stations[name]

    def add(self, station: str, service: str, fields: dict[str, Any], *, at: datetime,
            received: datetime | None = None, kind: str = "service_request", resident: dict[str, Any] | None = None,
            status: str = "new") -> str:
        """One request pushed by `station` (name) at station time `at`, received at `received`."""
        sid, rid = self.station(station), str(uuid.uuid4())
        received = received or at
        self._seq += 1
        payload = {"service": service, "receipt_code": f"T-{self._seq:05d}", "resident": resident or {},
                   "fields": fields, "created_at": at.isoformat()}
        with self.session() as session:
            session.execute(insert(EnvelopeRow), [{
                "id": rid, "station_id": sid, "kind": kind, "station_seq": self._seq, "content_sha256": "0" * 64,
                "station_created_at": at, "received_at": received}])
            session.execute(insert(ServiceRequest), [{
                "id": rid, "station_id": sid, "kind": kind, "service": service, "receipt_code": payload["receipt_code"],
                "status": status, "payload_enc": self.keys.encrypt_json(payload, payload_aad(rid)),
                "station_created_at": at, "received_at": received, "updated_at": received}])
            index_pushed(session.connection(), self.keys, [Pushed(rid, sid, kind, payload, at, received)])
        return rid

    def cli(self, *args: str) -> tuple[int, str]:
        from server.cli import main

        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main([*args, "--home", str(self.home), "--db", self.url])
        return code, out.getvalue()


def hub_db(tmp: Path) -> HubDb:
    url = f"sqlite:///{tmp}/hub.sqlite3"
    init_hub(tmp, url)
    engine = make_engine(url)
    return HubDb(tmp, url, load_key_file(tmp / "hub-keys.json"), engine, session_factory(engine))
