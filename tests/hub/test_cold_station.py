"""A station's first sync to a hub worker costs no reads of its own.

A worker's start-up warm-up (server/api/warm_up.py) loads every enrolled station's credential and
claimed receipt prefixes in one query, and the credential cache keeps them longer than a station's
sync interval (services/station_auth.py), so a sync after a restart, or every 5 minutes, does not
wait for a credential read. A station's first push reads its prefixes in the push's first round
trip and the receipt rules use that answer (services/records.py), not a second read."""

from __future__ import annotations

import dataclasses
import secrets
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from server.api import warm_up
from server.api.deps import signed_transaction
from server.api.state import HubState
from server.core.config import load_settings
from server.db.models import Station
from server.services import records, station_auth, stations
from server.services.station_auth import NonceClaim, SignedStation
from sync.protocol import ItemResult, ItemStatus, RecordKind
from sync.sealing import seal_envelope
from tests.console.seeding import HubDb, hub_db
from tests.support import pgcluster


@pytest.fixture
def db(tmp_path: Path) -> HubDb:
    return hub_db(tmp_path)  # SQLite: the warm-up's one query is plain SQL on either backend


def _state(db: HubDb) -> HubState:
    return HubState(load_settings(db.home, db.url), db.keys, db.engine, db.sessions)


def _enrol(db: HubDb, name: str, prefix: str | None = None, before: str | None = None) -> tuple[str, bytes]:
    with db.session() as s:
        station, secret = stations.enrol(s, db.keys, stations.create_enrolment_code(s, name))
        station.receipt_prefix, station.receipt_prefix_before = prefix, before
        return station.id, secret


def test_warm_up_caches_every_station_and_its_claimed_prefixes(db: HubDb) -> None:
    claimed, claimed_secret = _enrol(db, "WARM1", "WU1", "OLD1")
    plain, plain_secret = _enrol(db, "WARM2")
    revoked, _ = _enrol(db, "WARM3", "WU3")
    with db.session() as s:
        stations.revoke(s, "WARM3")
    state = _state(db)
    assert warm_up.warm(state) == 3
    first = state.credentials.get(claimed)
    second = state.credentials.get(plain)
    third = state.credentials.get(revoked)
    assert first is not None and second is not None and third is not None
    # The secrets decrypted are the ones enrolment issued (what signatures are checked with).
    assert (first.secret, second.secret) == (claimed_secret, plain_secret)
    assert (first.name, first.revoked, third.revoked) == ("WARM1", False, True)
    with db.session() as s:
        row = s.get(Station, claimed)
        assert row is not None and first.secret_enc == row.secret_enc  # what the nonce claim re-checks
    assert records._PINNED[claimed] == frozenset({"WU1", "OLD1"})
    assert plain not in records._PINNED  # no claim: pinned by its first stored record, as before


def test_a_station_syncing_every_five_minutes_stays_cached(db: HubDb) -> None:
    """The cache is a hint (the nonce claim re-checks revocation and the secret in the database), so
    it outlives a station's sync interval; with the old 60 s every such sync missed."""
    station_id, _secret = _enrol(db, "WARM4")
    state = _state(db)
    warm_up.warm(state)
    cached = state.credentials.get(station_id)
    assert cached is not None
    state.credentials.put(dataclasses.replace(cached, loaded_at=time.monotonic() - 5 * 60))
    assert state.credentials.get(station_id) is not None


def test_a_database_that_cannot_be_read_leaves_the_worker_serving(
    db: HubDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*_args: object, **_kwargs: object) -> list[station_auth.StationKeys]:
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(warm_up, "load_all_credentials", down)
    state = _state(db)
    assert warm_up.warm(state) == 0  # logged; each station is read at its first sync instead


def _push(
    db: HubDb, state: HubState, station_id: str, secret_enc: bytes, codes: list[str]
) -> list[ItemResult]:
    now = datetime.now(UTC)
    items = [
        seal_envelope(
            record_id=uuid.uuid4(),
            kind=RecordKind.SERVICE_REQUEST,
            station_seq=i,
            created_at=now,
            payload={
                "service": "certificate",
                "receipt_code": code,
                "resident": {"name": "张秀英"},
                "fields": {},
                "created_at": now.isoformat(),
            },
            hub_public_key=db.keys.public_key,
        )
        for i, code in enumerate(codes)
    ]
    signed = SignedStation(station_id, "x", secrets.token_hex(16), secret_enc)

    def work(conn: Connection, claim: NonceClaim) -> list[ItemResult]:
        return records.ingest(conn, state.keys, station_id, items, claim)

    return signed_transaction(state, signed, work, claims=True)


def test_a_first_push_reads_the_stations_prefixes_once(
    tmp_path: Path, postgres_cluster: pgcluster.PgCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: a station with no claimed prefix and no stored record (its first push) is judged on
    what the push's first round trip read, and the rule still holds: its first record's prefix is its
    own from then on."""
    db = hub_db(tmp_path, postgres_cluster.create_database("cold"))
    try:
        station_id, _secret = _enrol(db, "COLD1")
        with db.session() as s:
            row = s.get(Station, station_id)
            assert row is not None and row.secret_enc is not None and row.receipt_prefix is None
            secret_enc = row.secret_enc
        state = _state(db)
        real, reads = records._own_prefixes, []

        def counted(*args: Any, **kwargs: Any) -> Any:
            reads.append(args)
            return real(*args, **kwargs)

        monkeypatch.setattr(records, "_own_prefixes", counted)
        first = _push(db, state, station_id, secret_enc, ["ZQ7-1", "ZQ7-2", "OTHER-3"])
        assert [a.status for a in first] == [ItemStatus.ACCEPTED, ItemStatus.ACCEPTED, ItemStatus.INVALID]
        # One read again, for the record with another prefix (the station may have re-enrolled);
        # none for the station's prefixes themselves (before: one read of 2 statements more per push).
        assert len(reads) == 1 and reads[0][1] == station_id
        later = _push(db, state, station_id, secret_enc, ["ZQ7-4", "OTHER-5"])
        assert [a.status for a in later] == [ItemStatus.ACCEPTED, ItemStatus.INVALID]
    finally:
        db.engine.dispose()
