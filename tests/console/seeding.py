"""An in-process hub database for console analysis tests (topics, warnings, reports): requests are
stored as the push stores them (ledger row + encrypted request) and indexed by the same push-time
hook (`resident_index.index_pushed`), with the station and hub times the test chooses."""

from __future__ import annotations

import contextlib
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
    received: list[datetime] = field(default_factory=list)  # hub times of the work requests added
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

    def add(
        self,
        station: str,
        service: str,
        fields: dict[str, Any],
        *,
        at: datetime,
        received: datetime | None = None,
        kind: str = "service_request",
        resident: dict[str, Any] | None = None,
        status: str = "new",
    ) -> str:
        """One request pushed by `station` (name) at station time `at`, received at `received`."""
        sid, rid = self.station(station), str(uuid.uuid4())
        received = received or at
        self._seq += 1
        payload = {
            "service": service,
            "receipt_code": f"T-{self._seq:05d}",
            "resident": resident or {},
            "fields": fields,
            "created_at": at.isoformat(),
        }
        with self.session() as session:
            session.execute(
                insert(EnvelopeRow),
                [
                    {
                        "id": rid,
                        "station_id": sid,
                        "kind": kind,
                        "station_seq": self._seq,
                        "content_sha256": "0" * 64,
                        "station_created_at": at,
                        "received_at": received,
                    }
                ],
            )
            session.execute(
                insert(ServiceRequest),
                [
                    {
                        "id": rid,
                        "station_id": sid,
                        "kind": kind,
                        "service": service,
                        "receipt_code": payload["receipt_code"],
                        "status": status,
                        # ASCII-escaped JSON, as a station sends it (so a lone surrogate can be seeded too)
                        "payload_enc": self.keys.encrypt(json.dumps(payload).encode(), payload_aad(rid)),
                        "station_created_at": at,
                        "received_at": received,
                        "updated_at": received,
                    }
                ],
            )
            index_pushed(
                session.connection(), self.keys, [Pushed(rid, sid, kind, payload, at, received, status)]
            )
        if kind in ("service_request", "help_call"):
            self.received.append(received)
        return rid

    def cli(self, *args: str) -> tuple[int, str]:
        from server.cli import main

        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main([*args, "--home", str(self.home), "--db", self.url])
        return code, out.getvalue()


def hub_db(tmp: Path, url: str | None = None) -> HubDb:
    """A fresh hub database (SQLite in `tmp`, or the PostgreSQL `url`) with its key file in `tmp`."""
    url = url or f"sqlite:///{tmp}/hub.sqlite3"
    init_hub(tmp, url)
    engine = make_engine(url)
    return HubDb(tmp, url, load_key_file(tmp / "hub-keys.json"), engine, session_factory(engine))


NOW = datetime.now(UTC)  # one "now" per test run: seeds and checks agree on the weeks
# This week: what residents said, and the topic a clerk would file it under.
THIS_WEEK = [
    ("楼上漏水把天花板泡了", "供水排水"),
    ("下水道堵塞，院子里都是积水", "供水排水"),
    ("家里停水两天了", "供水排水"),
    ("自来水水压太低", "供水排水"),
    ("水管冻裂漏水", "供水排水"),
    ("路灯不亮了，晚上走路怕摔", "道路路灯"),
    ("村口路灯坏了", "道路路灯"),
    ("路面坑洼很多", "道路路灯"),
    ("高龄津贴什么时候发", "养老保障"),
    ("低保申请需要什么材料", "养老保障"),
    ("广场舞音响噪音太大", "噪音扰民"),
]
# Every one of the 8 weeks before: three road/light reports and two pension questions.
EACH_EARLIER_WEEK = [
    ("路灯又不亮了", "道路路灯"),
    ("修路修了一半", "道路路灯"),
    ("井盖松了", "道路路灯"),
    ("养老金到账了吗", "养老保障"),
    ("社保卡丢了", "养老保障"),
]


def seed_topics(db: HubDb) -> None:
    for i, (text, _topic) in enumerate(THIS_WEEK):
        db.add(
            "东山村驿站",
            "problem_report",
            {"category": "other", "description": text},
            at=NOW - timedelta(days=1, hours=i),
        )
    for week in range(1, 9):
        for i, (text, _topic) in enumerate(EACH_EARLIER_WEEK):
            at = NOW - timedelta(days=7 * week + 1, hours=i)
            db.add("东山村驿站", "problem_report", {"category": "other", "description": text}, at=at)
    # A category alone counts (no description words), and another station's water report.
    db.add(
        "西岭村驿站",
        "problem_report",
        {"category": "sanitation", "description": ""},
        at=NOW - timedelta(days=2),
    )
    db.add("西岭村驿站", "problem_report", {"description": "楼道漏水"}, at=NOW - timedelta(days=2))


# Living-alone warnings: (name, station, living alone, days since the last check-in or None = never,
# "我不太好" on that check-in). Station 西岭村驿站 warns after 5 days (set by the tests), the others after 2.
RESIDENTS = [
    ("王秀英", "东山村驿站", True, 0, False),  # checked in today: no warning
    ("张桂兰", "东山村驿站", True, 2, False),  # 2 days: level 1
    ("刘淑珍", "东山村驿站", True, 5, False),  # 5 days ≥ 2+2: level 2
    ("陈玉梅", "东山村驿站", True, 8, False),  # 8 days ≥ 2+5: level 3
    ("杨凤英", "东山村驿站", True, 0, True),  # today, but "我不太好": on top
    ("赵德明", "东山村驿站", False, 10, False),  # not living alone: never listed
    ("孙建国", "东山村驿站", True, None, False),  # never checked in, known from a request 3 days ago
    ("周兰英", "西岭村驿站", True, 3, False),  # 3 < 5: not yet
    ("吴春花", "西岭村驿站", True, 6, False),  # 6 ≥ 5: level 1
]


def seed_residents(db: HubDb) -> dict[str, str]:
    """The RESIDENTS above; returns name → resident key."""
    out = {}
    for n, (name, station, alone, days, unwell) in enumerate(RESIDENTS):
        resident = {
            "id": f"res-{n}",
            "name": name,
            "phone": f"1390000{n:04d}",
            "living_alone": alone,
            "address": f"{station}{n}号",
        }
        if days is None:
            db.add(
                station,
                "pension_inquiry",
                {"topic": "pension_paid"},
                resident=resident,
                at=NOW - timedelta(days=3),
            )
        else:
            fields = {"feeling": "unwell"} if unwell else {}
            db.add(
                station,
                "daily_checkin",
                fields,
                kind="daily_checkin",
                resident=resident,
                at=NOW - timedelta(days=days, minutes=1),
            )
        out[name] = f"res-{n}"
    return out
