"""Fixtures for station↔hub sync tests: a real hub over HTTP (SQLite and PostgreSQL), real encrypted
stations enrolled with it, and the hub-side staff actions tests need (status updates, notices)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from models.station import Actor, Station
from sync.client import enrol
from sync.credentials import save_credential
from tests.support.hubhandle import HubHandle, hub_on

PASSPHRASE = "sync test passphrase"
BACKENDS = ["sqlite", "postgresql"]
_names = itertools.count(1)


Hub = HubHandle  # the name these tests use


@pytest.fixture(scope="session", params=BACKENDS)
def hub(request: pytest.FixtureRequest) -> Iterator[HubHandle]:
    with hub_on(request, request.param, database="synchub", prefix="yizhan-sync-hub-") as handle:
        yield handle


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
