"""The PostgreSQL push path (services/records.py `_ingest_pipelined`): few round trips, the same
answers and the same stored rows as the step-by-step path, and a fall-back to that path whenever
its assumptions do not hold (an id stored by another push meanwhile, an index write that fails).

The rollups are checked against an independent recount (tests/console/rollup_check.py)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select, text

from bench.hub_probe import probe
from server.api.deps import signed_transaction
from server.api.state import HubState
from server.core.config import load_settings
from server.core.db import begin_pipelined
from server.db.console_models import RequestFacts
from server.db.models import EnvelopeRow, ServiceRequest
from server.services import bulk, records, resident_index, stations, topics
from server.services.station_auth import NonceClaim, SignedStation
from sync.protocol import Envelope, ItemResult, ItemStatus, RecordKind
from sync.sealing import seal_envelope
from tests.console.rollup_check import assert_rollups_match
from tests.console.seeding import HubDb, hub_db
from tests.support import pgcluster


@dataclass
class Pusher:
    db: HubDb
    state: HubState
    station_id: str
    name: str
    prefix: str
    secret_enc: bytes
    seq: int = 0

    def envelope(
        self,
        service: str,
        fields: dict[str, Any],
        *,
        kind: RecordKind = RecordKind.SERVICE_REQUEST,
        resident: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> Envelope:
        self.seq += 1
        at = at or datetime.now(UTC)
        payload = {
            "service": service,
            "receipt_code": f"{self.prefix}-{self.seq:05d}",
            "resident": resident if resident is not None else {"name": "张秀英", "phone": "13800138000"},
            "fields": fields,
            "created_at": at.isoformat(),
        }
        return seal_envelope(
            record_id=uuid.uuid4(),
            kind=kind,
            station_seq=self.seq,
            created_at=at,
            payload=payload,
            hub_public_key=self.db.keys.public_key,
        )

    def push(self, items: list[Envelope]) -> list[ItemResult]:
        signed = SignedStation(self.station_id, self.name, secrets.token_hex(16), self.secret_enc)

        def work(conn: Connection, claim: NonceClaim) -> list[ItemResult]:
            return records.ingest(conn, self.state.keys, self.station_id, items, claim)

        return signed_transaction(self.state, signed, work, claims=True)

    def count(self, model: Any) -> int:
        with self.db.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(model)) or 0)

    def assert_rollups(self) -> None:
        """The rollups after a read of the topic figures, as the topics page makes it: the pushed
        requests' topic words (queued by the push) count from that read on."""
        with self.db.session() as session:
            topics.analyse(session)
        with self.db.engine.connect() as conn:
            assert_rollups_match(conn, [self.station_id])


@pytest.fixture
def pg_hub(tmp_path: Path, postgres_cluster: pgcluster.PgCluster) -> Iterator[HubDb]:
    db = hub_db(tmp_path, postgres_cluster.create_database("pipe"))
    yield db
    db.engine.dispose()


def _pusher(db: HubDb, name: str) -> Pusher:
    state = HubState(load_settings(db.home, db.url), db.keys, db.engine, db.sessions)
    with db.session() as s:
        station, _secret = stations.enrol(s, db.keys, stations.create_enrolment_code(s, name))
        assert station.secret_enc is not None
        return Pusher(db, state, station.id, station.name, station.receipt_prefix or name, station.secret_enc)


ALONE = {"id": "res-alone", "name": "王秀英", "living_alone": True}


def _mixed(p: Pusher) -> list[Envelope]:
    """Topics, a help call, living-alone check-ins on two days (a check-in rollup), a resident
    snapshot that changes within the batch, and an audit event."""
    now = datetime.now(UTC)
    return [
        p.envelope("problem_report", {"category": "water_power", "description": "楼上漏水把天花板泡了"}),
        p.envelope("problem_report", {"category": "road_light", "description": "路灯不亮了，晚上走路怕摔"}),
        p.envelope("help_call", {}, kind=RecordKind.HELP_CALL),
        p.envelope("subsidy_application", {"reason": "高龄补贴"}, resident=ALONE, at=now - timedelta(days=2)),
        p.envelope("daily_checkin", {"feeling": "unwell"}, kind=RecordKind.DAILY_CHECKIN, resident=ALONE),
        p.envelope(
            "daily_checkin", {}, kind=RecordKind.DAILY_CHECKIN, resident=ALONE, at=now - timedelta(days=1)
        ),
        seal_envelope(
            record_id=uuid.uuid4(),
            kind=RecordKind.AUDIT_EVENT,
            station_seq=999,
            created_at=now,
            payload={"at": now.isoformat(), "action": "export", "actor": "volunteer"},
            hub_public_key=p.db.keys.public_key,
        ),
    ]


def test_a_push_takes_three_round_trips(pg_hub: HubDb) -> None:
    """BEGIN + nonce claim + ledger look-up, then every write, then COMMIT; a duplicate push and a
    pull need no more than the claim round trip, their statement and COMMIT (15 before pipelining).
    The writes are one statement (bulk.Statement) besides the savepoint and the residents' lock and
    upsert: 6 statements in all, where one INSERT per table made 16."""
    result = probe(pg_hub.url, pg_hub.home, batch=5, pushes=4)
    assert result["push"]["round_trips"] == 3, result
    assert result["push"]["statements"] <= 6, result
    assert result["duplicate_push"]["round_trips"] == 2, result
    assert result["pull"]["round_trips"] <= 3, result


def test_mixed_push_stores_and_counts_like_the_reference(pg_hub: HubDb) -> None:
    p = _pusher(pg_hub, "PIPE1")
    items = _mixed(p)
    twice = items[0].model_copy()  # the same id twice in one batch: the later copy shares the first's verdict
    bad = p.envelope("problem_report", {"category": "no_such_category", "description": "x"})
    answers = p.push([*items, twice, bad])
    assert [a.status for a in answers] == [ItemStatus.ACCEPTED] * len(items) + [
        ItemStatus.DUPLICATE_ACK,
        ItemStatus.INVALID,
    ]
    assert p.count(EnvelopeRow) == len(items)
    assert p.count(ServiceRequest) == len(items) - 1  # the audit event is not a request
    assert p.count(RequestFacts) == len(items) - 1
    p.assert_rollups()
    # A retry of the whole batch is acknowledged item by item and changes nothing.
    again = p.push(items)
    assert [a.status for a in again] == [ItemStatus.DUPLICATE_ACK] * len(items)
    assert p.count(EnvelopeRow) == len(items)
    p.assert_rollups()


def test_an_id_stored_meanwhile_is_a_duplicate_not_a_second_row(
    pg_hub: HubDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another push stores the same id between the look-up and the write (the race two hub workers
    can run): the pipelined write rolls back and the step-by-step path answers duplicate_ack."""
    p = _pusher(pg_hub, "PIPE2")
    items = _mixed(p)[:3]
    assert all(a.status is ItemStatus.ACCEPTED for a in p.push(items))
    fresh = p.envelope("certificate", {})
    # The first look-up misses the stored ids, as it would had the other push committed just after it.
    real, calls = records._classified, []

    def missing_once(*args: Any) -> dict[str, ItemResult]:
        calls.append(args)
        return {} if len(calls) == 1 else real(*args)

    monkeypatch.setattr(records, "_classified", missing_once)
    answers = p.push([*items, fresh])
    assert [a.status for a in answers] == [ItemStatus.DUPLICATE_ACK] * 3 + [ItemStatus.ACCEPTED]
    assert len(calls) == 2  # the pipelined look-up, then the step-by-step path's after its insert
    assert p.count(EnvelopeRow) == 4 and p.count(ServiceRequest) == 4
    p.assert_rollups()


def test_an_index_write_that_fails_costs_the_push_nothing(
    pg_hub: HubDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _pusher(pg_hub, "PIPE3")
    real = resident_index.send_index

    def failing(
        conn: Connection, plan: resident_index.IndexPlan, station_id: str, writes: bulk.Statement
    ) -> Any:
        finish = real(conn, plan, station_id, writes)
        conn.connection.driver_connection.execute("SELECT 1 / 0")  # type: ignore[union-attr]
        return finish

    monkeypatch.setattr(resident_index, "send_index", failing)
    items = _mixed(p)
    assert all(a.status is ItemStatus.ACCEPTED for a in p.push(items))
    # Stored once by the step-by-step path, index and rollups included.
    assert p.count(ServiceRequest) == len(items) - 1
    assert p.count(RequestFacts) == len(items) - 1
    p.assert_rollups()


def test_a_connection_used_again_opens_its_own_transactions(pg_hub: HubDb) -> None:
    """begin_pipelined hands BEGIN to the pipeline by putting psycopg in autocommit mode for that
    one transaction: the next transaction on the same connection (or after the pool) is a real one."""
    with pg_hub.engine.connect() as conn:
        with begin_pipelined(conn) as pg:
            pg.execute("CREATE TEMP TABLE reuse_probe (x int)")
        conn.commit()
        conn.execute(text("INSERT INTO reuse_probe VALUES (1)"))
        conn.rollback()  # must undo the insert: it ran inside a transaction, not on its own
        assert conn.execute(text("SELECT count(*) FROM reuse_probe")).scalar() == 0
        conn.rollback()
        with begin_pipelined(conn) as pg:
            pg.execute("INSERT INTO reuse_probe VALUES (2)")
    with pg_hub.engine.connect() as conn:  # back from the pool: autocommit is off again
        pg_conn = conn.connection.driver_connection
        assert pg_conn is not None and pg_conn.autocommit is False
