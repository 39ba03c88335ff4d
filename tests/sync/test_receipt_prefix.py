"""No two stations of a hub give out the same receipt codes: a station claims its receipt prefix at
enrolment, and the hub hands a free one like it to a station asking for a taken one, which the
station uses from its next code on. Records behind codes already given out are still taken; a
record whose prefix is not the station's is refused."""

from __future__ import annotations

import random
import shutil
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.station import KIOSK, Actor, Station
from sync.credentials import enrol_station
from sync.engine import SyncEngine
from tests.sync.conftest import PASSPHRASE, Hub

ADMIN = Actor("admin", "test")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One station made once; each one here is a copy (creating one costs seconds)."""
    folder = tmp_path_factory.mktemp("prefix-template") / "station"
    Station.create(folder, PASSPHRASE, name="前缀测试站").close()
    return folder


@pytest.fixture
def stations(template: Path, tmp_path: Path) -> Iterator[list[Station]]:
    made: list[Station] = []
    yield made
    for station in made:
        station.close()


def _station(made: list[Station], template: Path, folder: Path, prefix: str) -> Station:
    shutil.copytree(template, folder)
    station = Station.open(folder, PASSPHRASE)
    station.update_settings(ADMIN, station_prefix=prefix)
    made.append(station)
    return station


def _receipt(station: Station) -> str:
    code = station.requests.submit("problem_report", {"description": "路灯坏了"}, KIOSK).receipt_code
    assert code is not None
    return code


def test_two_stations_never_give_out_one_receipt_prefix(
    hub: Hub, template: Path, tmp_path: Path, stations: list[Station]
) -> None:
    tag = "".join(random.choices(string.ascii_uppercase, k=5))  # this hub is shared with other tests
    asked = f"{tag}01"
    names = [f"前缀站{tag}{n}" for n in range(4)]

    first = _station(stations, template, tmp_path / "a", asked)
    assert enrol_station(first, hub.url, hub.enrol_code(names[0]), ADMIN).receipt_prefix == asked
    second = _station(stations, template, tmp_path / "b", asked)  # as two default set-ups would
    enrol_station(second, hub.url, hub.enrol_code(names[1]), ADMIN)
    assert second.setting("station_prefix") == f"{tag}02"  # the hub gave it a free one like it

    codes = {_receipt(first), _receipt(second)}
    assert {c.rsplit("-", 1)[0] for c in codes} == {asked, f"{tag}02"}
    assert SyncEngine(first).run_once().complete and SyncEngine(second).run_once().complete
    at_hub = {code for name in names[:2] for code, _status in hub.station_requests(name).values()}
    assert at_hub == codes

    # A station that already gave out codes with the taken prefix still joins (never stuck): its
    # records behind those codes are taken, and its next codes carry the free prefix it was given.
    third = _station(stations, template, tmp_path / "c", asked)
    given_out = _receipt(third)
    assert enrol_station(third, hub.url, hub.enrol_code(names[2]), ADMIN).receipt_prefix == f"{tag}03"
    next_one = _receipt(third)
    assert next_one.startswith(f"{tag}03-")
    assert SyncEngine(third).run_once().complete
    assert {code for code, _s in hub.station_requests(names[2]).values()} == {given_out, next_one}

    # A prefix changed behind the hub's back before the station's first record: the record is
    # refused by the claim, never stored beside the first station's codes.
    fourth = _station(stations, template, tmp_path / "d", asked)
    assert enrol_station(fourth, hub.url, hub.enrol_code(names[3]), ADMIN).receipt_prefix == f"{tag}04"
    fourth.update_settings(ADMIN, station_prefix=asked)
    taken = fourth.requests.submit("problem_report", {"description": "换了前缀"}, KIOSK)
    report = SyncEngine(fourth).run_once()
    assert report.quarantined == 1 and fourth.requests.get(taken.id).state == "QUARANTINED"
    assert f"{tag}04" in (fourth.requests.get(taken.id).quarantine_reason or "")
    assert hub.station_requests(names[3]) == {}
