"""Opening a station in two parts (issue 17, unlock → home ≤ 300 ms): `Station.prepare` does what needs
no key while the passphrase is typed — and decrypts nothing; `Station.open(prepared=)` then does only
the key derivation and the unlock."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from models import db
from models.keyfile import KEYFILE_NAME, KeyFile, WrongPassphrase
from models.residents import ResidentInput
from models.station import SYSTEM, DamagedStation, Station, StationError
from models.validation import id_check_char

PASSPHRASE = "prepare passphrase 1"
ID = "11010519491231002" + id_check_char("11010519491231002")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    with Station.create(tmp_path / "station", PASSPHRASE, name="幸福村") as station:
        station.residents.add(ResidentInput("张桂英", ID), SYSTEM)
    return tmp_path / "station"


def _count_migrations(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    seen: list[Path] = []
    real = db.migrate

    def counting(engine: Engine) -> None:
        seen.append(Path(str(engine.url.database)))
        real(engine)

    monkeypatch.setattr(db, "migrate", counting)
    return seen


def test_prepare_checks_the_schema_and_open_then_only_unlocks(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrations = _count_migrations(monkeypatch)
    prepared = Station.prepare(folder)
    assert migrations == [folder / db.DB_NAME]
    with Station.open(folder, PASSPHRASE, prepared=prepared) as station:
        assert migrations == [folder / db.DB_NAME]  # not again after the passphrase
        assert station.residents.find_by_id_number(ID, SYSTEM) is not None
        assert prepared.engine_taken  # the station's engine now, closed with it
    with Station.open(folder, PASSPHRASE) as station:  # without prepare: all of it, as before
        assert len(migrations) == 2 and station.residents.count() == 1


def test_prepare_decrypts_nothing(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No key exists before the passphrase: preparing never derives or unwraps one."""

    def no_keys(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("a key was derived or unwrapped while preparing")

    monkeypatch.setattr(KeyFile, "unlock", no_keys)
    monkeypatch.setattr(KeyFile, "unwrap_one", no_keys)
    Station.prepare(folder).discard()


def test_a_wrong_passphrase_keeps_the_preparation_for_the_next_try(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared = Station.prepare(folder)
    migrations = _count_migrations(monkeypatch)
    with pytest.raises(WrongPassphrase):
        Station.open(folder, "not the passphrase", prepared=prepared)
    assert not prepared.engine_taken
    with Station.open(folder, PASSPHRASE, prepared=prepared) as station:
        assert station.residents.count() == 1
        # the failed try was counted while locked, and chained into the audit log on unlock
        assert station.setting_raw("failed_unlocks", None) == 0
    assert migrations == []


def test_a_passphrase_changed_after_prepare_is_the_one_that_opens(folder: Path) -> None:
    prepared = Station.prepare(folder)
    keyfile = KeyFile.load(folder / KEYFILE_NAME)
    keyfile.change_passphrase(PASSPHRASE, "a new passphrase 2")  # `yizhan passphrase` meanwhile
    with pytest.raises(WrongPassphrase):
        Station.open(folder, PASSPHRASE, prepared=prepared)
    with Station.open(folder, "a new passphrase 2", prepared=prepared) as station:
        assert station.residents.count() == 1


def test_prepare_says_what_is_wrong_with_a_folder(tmp_path: Path, folder: Path) -> None:
    with pytest.raises(StationError, match="not a station data folder"):
        Station.prepare(tmp_path / "nothing")
    (folder / db.DB_NAME).write_bytes(b"not a database at all" * 100)
    with pytest.raises(DamagedStation):
        Station.prepare(folder)
