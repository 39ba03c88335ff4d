"""独居老人预警 from the index the push keeps: who is listed, days missed, levels, "我不太好" on top,
per-station thresholds, visit outcomes, and the list sent to the station's feed."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from server.services import console_warnings
from server.services.errors import HubError
from tests.console.seeding import NOW, HubDb, hub_db, seed_residents

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[HubDb, dict[str, str]]:
    db = hub_db(tmp_path_factory.mktemp("warnings"))
    keys = seed_residents(db)
    with db.session() as session:
        console_warnings.set_threshold(session, db.stations["西岭村驿站"], 5)
    return db, keys


def test_who_is_warned_and_how_urgently(seeded: tuple[HubDb, dict[str, str]]) -> None:
    db, _keys = seeded
    with db.session() as session:
        rows, total = console_warnings.load(session, db.keys, None, TZ, NOW)
    by_name = {w.name: w for w in rows}
    assert set(by_name) == {"张桂兰", "刘淑珍", "陈玉梅", "杨凤英", "孙建国", "吴春花"} and total == 6
    assert rows[0].name == "杨凤英" and rows[0].unwell and rows[0].level == 3  # "我不太好" first
    assert [by_name[n].days_missed for n in ("张桂兰", "刘淑珍", "陈玉梅", "孙建国", "吴春花")] == [
        2,
        5,
        8,
        3,
        6,
    ]
    assert [by_name[n].level for n in ("张桂兰", "刘淑珍", "陈玉梅", "吴春花")] == [1, 2, 3, 1]
    assert by_name["孙建国"].last_checkin_at is None
    # Most urgent level first (each station's own threshold), then most days missed.
    assert [w.name for w in rows[1:]] == ["陈玉梅", "刘淑珍", "吴春花", "孙建国", "张桂兰"]


def test_scope_outcome_and_station_feed(seeded: tuple[HubDb, dict[str, str]]) -> None:
    from sqlalchemy import select

    from server.db.models import ChangeRow

    db, keys = seeded
    east = db.stations["东山村驿站"]
    with db.session() as session:
        rows, _ = console_warnings.load(session, db.keys, [db.stations["西岭村驿站"]], TZ, NOW)
        assert [w.name for w in rows] == ["吴春花"]  # staff of one station see only that station
        assert console_warnings.phone_of(session, db.keys, east, keys["陈玉梅"]) == "13900000003"
        console_warnings.record_outcome(
            session,
            db.keys,
            east,
            keys["陈玉梅"],
            "hospital",
            "县医院住院",
            "zhuguan",
            NOW.astimezone(TZ).date(),
        )
        with pytest.raises(HubError):
            console_warnings.record_outcome(
                session, db.keys, east, keys["陈玉梅"], "lost", None, "x", NOW.date()
            )
    with db.session() as session:
        rows, _ = console_warnings.load(session, db.keys, None, TZ, NOW)
        handled = rows[-1]
        assert handled.name == "陈玉梅" and handled.outcome == "hospital" and handled.outcome_by == "zhuguan"
        seq = console_warnings.push_to_station(session, db.keys, east, rows, TZ)
    with db.session() as session:
        change = session.get(ChangeRow, seq)
        assert change is not None and change.kind == "warnings" and change.station_id == east
        data = db.keys.decrypt_json(change.data_enc, f"changes/data/{seq}")
        assert {w["name"] for w in data["warnings"]} == {"张桂兰", "刘淑珍", "陈玉梅", "杨凤英", "孙建国"}
        assert session.scalars(select(ChangeRow).where(ChangeRow.kind == "warnings")).all()


def test_a_check_in_clears_the_warning(seeded: tuple[HubDb, dict[str, str]]) -> None:
    db, _keys = seeded
    resident = {"id": "res-1", "name": "张桂兰", "living_alone": True}
    db.add("东山村驿站", "daily_checkin", {}, kind="daily_checkin", resident=resident, at=NOW)
    with db.session() as session:
        rows, _ = console_warnings.load(session, db.keys, None, TZ, NOW)
    assert "张桂兰" not in {w.name for w in rows}
