"""A hub worker's start-up warm-up (server/api/warm_up.py): every enrolled station's credential and
claimed receipt prefixes are loaded in one query, and the credential cache keeps them longer than a
station's sync interval (services/station_auth.py), so a station's sync after a restart, or every
5 minutes, does not wait for a read of its own."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from server.api import warm_up
from server.api.state import HubState
from server.core.config import load_settings
from server.db.models import Station
from server.services import records, station_auth, stations
from tests.console.seeding import HubDb, hub_db


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


def test_a_station_syncing_every_five_minutes_stays_cached(
    db: HubDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache is a hint (the nonce claim re-checks revocation and the secret in the database), so
    it outlives a station's sync interval; with the old 60 s every such sync missed."""
    station_id, _secret = _enrol(db, "WARM4")
    state = _state(db)
    warm_up.warm(state)
    later = time.monotonic() + 5 * 60
    monkeypatch.setattr(station_auth.time, "monotonic", lambda: later)
    assert state.credentials.get(station_id) is not None


def test_a_database_that_cannot_be_read_leaves_the_worker_serving(
    db: HubDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*_args: object, **_kwargs: object) -> list[station_auth.StationKeys]:
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(warm_up, "load_all_credentials", down)
    state = _state(db)
    assert warm_up.warm(state) == 0  # logged; each station is read at its first sync instead
