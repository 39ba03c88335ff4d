"""What a station survives: a lost WAL file, an older database put back, file permissions, damaged
files and one tampered ciphertext; and the PIN rules the pad relies on."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from models.station import KIOSK, Actor, DamagedStation, Station
from models.validation import ValidationError
from tests.core.conftest import PASSPHRASE, resident

ADMIN = Actor("admin", "a1")


def _copy_db_only(src: Path, dst: Path) -> None:
    """What a hand-made backup does: station.db and station.key, without the -wal file."""
    dst.mkdir(mode=0o700)
    shutil.copy2(src / "station.db", dst / "station.db")
    shutil.copy2(src / "station.key", dst / "station.key")


def test_an_acknowledged_save_is_in_station_db_itself(
    station: Station, data_dir: Path, tmp_path: Path
) -> None:
    """The kiosk is still running (WAL open) when someone copies only station.db: the save is there."""
    saved = station.requests.submit("problem_report", {"description": "路灯坏了"}, KIOSK)
    copy = tmp_path / "copy"
    _copy_db_only(data_dir, copy)
    assert not (copy / "station.db-wal").exists()
    reopened = Station.open(copy, PASSPHRASE)
    try:
        assert reopened.requests.get(saved.id).receipt_code == saved.receipt_code
    finally:
        reopened.close()


def test_lost_commits_are_detected_and_receipt_numbers_never_reused(
    station: Station, data_dir: Path, tmp_path: Path
) -> None:
    first = station.requests.submit("problem_report", {"description": "一"}, KIOSK)
    old = tmp_path / "old.db"
    shutil.copy2(data_dir / "station.db", old)  # the database as it was after request 1
    second = station.requests.submit("problem_report", {"description": "二"}, KIOSK)
    third = station.requests.submit("problem_report", {"description": "三"}, KIOSK)
    station.close()
    for side in ("station.db-wal", "station.db-shm"):
        (data_dir / side).unlink(missing_ok=True)
    shutil.copy2(old, data_dir / "station.db")  # requests 2 and 3 are gone from the database

    again = Station.open(data_dir, PASSPHRASE)
    try:
        assert again.setting_raw("receipts_lost", None)["first"] == 2
        assert again.setting_raw("receipts_lost", None)["last"] == 3
        fresh = again.requests.submit("problem_report", {"description": "四"}, KIOSK)
        assert fresh.receipt_code not in {first.receipt_code, second.receipt_code, third.receipt_code}
        assert fresh.receipt_code == "T01-0004"
        with again.read() as session:
            assert again.audit.verify(session) == []
    finally:
        again.close()


def test_database_files_are_private(station: Station, data_dir: Path) -> None:
    old = os.umask(0o022)
    try:
        station.residents.add(resident(1), ADMIN)  # the -wal and -shm files exist now
        for name in ("station.db", "station.db-wal", "station.db-shm", "station.seq", "station.key"):
            path = data_dir / name
            if name == "station.seq":
                station.requests.submit("problem_report", {"description": "x"}, KIOSK)
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    finally:
        os.umask(old)


def test_an_old_station_s_files_are_made_private_at_open(station: Station, data_dir: Path) -> None:
    station.close()
    (data_dir / "station.db").chmod(0o644)
    Station.open(data_dir, PASSPHRASE).close()
    assert stat.S_IMODE((data_dir / "station.db").stat().st_mode) == 0o600


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_database_says_so_and_names_the_next_step(
    station: Station, data_dir: Path, damage: str
) -> None:
    for i in range(40):
        station.residents.add(resident(i, address="幸福村" * 30), ADMIN)
    station.checkpoint()
    station.close()
    db = data_dir / "station.db"
    for side in ("station.db-wal", "station.db-shm"):
        (data_dir / side).unlink(missing_ok=True)
    if damage == "garbage":
        db.write_bytes(os.urandom(8192))
    else:
        db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])
    with pytest.raises(DamagedStation) as info:
        Station.open(data_dir, PASSPHRASE)
    message = str(info.value)
    assert "damaged" in message and "yizhan restore --from" in message and "\n" not in message


def test_one_tampered_ciphertext_does_not_hide_the_other_residents(station: Station, data_dir: Path) -> None:
    ids = [station.residents.add(resident(i), ADMIN) for i in range(4)]
    with sqlite3.connect(data_dir / "station.db") as conn:
        (ct,) = conn.execute("SELECT name_ct FROM residents WHERE id=?", (ids[2],)).fetchone()
        conn.execute("UPDATE residents SET name_ct=? WHERE id=?", (ct[:-1] + bytes([ct[-1] ^ 1]), ids[2]))
    listed = station.residents.list_all(ADMIN)
    assert [r.id for r in listed] == ids
    assert [r.damaged for r in listed] == [False, False, True, False]
    assert [r.name for r in listed if not r.damaged] == [resident(i).name for i in (0, 1, 3)]
    assert listed[2].name == "" and "integrity" in listed[2].problem
    many = station.residents.get_many(ids, ADMIN)  # the missing-check-in list's read
    assert [r.damaged for r in many] == [False, False, True, False] and many[3].name == resident(3).name


def test_pin_rules(station: Station) -> None:
    """The pad signs in by PIN alone: weak PINs and a PIN another active account has are refused."""
    for weak in ("1234", "0000", "7777", "98765", "123456"):
        with pytest.raises(ValidationError) as info:
            station.volunteers.add("甲", weak, "volunteer", ADMIN)
        assert info.value.problem.code == "pin_weak"
    first = station.volunteers.add("甲", "4826", "admin", ADMIN)
    with pytest.raises(ValidationError) as taken:
        station.volunteers.add("乙", "4826", "volunteer", ADMIN)
    assert taken.value.problem.code == "pin_taken" and "已经" in taken.value.message("zh_CN")
    second = station.volunteers.add("乙", "5937", "volunteer", ADMIN)
    with pytest.raises(ValidationError):
        station.volunteers.set_pin(second, "4826", ADMIN)
    station.volunteers.set_pin(first, "4826", ADMIN)  # keeping one's own PIN is fine
    with pytest.raises(ValidationError) as last:
        station.volunteers.deactivate(first, ADMIN)
    assert last.value.problem.code == "last_admin"
    station.volunteers.deactivate(second, ADMIN)
    station.volunteers.add("丙", "5937", "volunteer", ADMIN)  # a disabled account's PIN is free again
