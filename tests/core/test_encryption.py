"""Field encryption at rest: no plaintext anywhere in the data folder, tamper and row swaps refused."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.crypto import BlindIndex, FieldCipher, IntegrityError, KeyRing, associated_data, new_key
from models.station import KIOSK, Actor, Station
from tests.core.conftest import PASSPHRASE, resident

VOLUNTEER = Actor("volunteer", "v-test")


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_no_plaintext_pii_in_db_wal_or_folder(station: Station, data_dir: Path) -> None:
    people = [resident(i, name=f"欧阳秀英{i}") for i in range(5)]
    for person in people:
        rid = station.residents.add(person, VOLUNTEER)
        station.requests.save_draft("problem_report", {"description": f"草稿里的秘密描述{rid[:4]}"}, rid)
        station.requests.submit(
            "problem_report", {"description": "邻居家的水管爆裂了"}, KIOSK, resident_id=rid
        )
    # Look at the live files (WAL included) while the engine is still open, then after closing it.
    assert (data_dir / "station.db-wal").stat().st_size > 0  # the WAL really is part of the scan
    snapshots = [_all_bytes(data_dir)]
    station.close()
    snapshots.append(_all_bytes(data_dir))
    for blob in snapshots:
        for person in people:
            for secret in (person.name, person.id_number, person.phone, person.address):
                for encoding in ("utf-8", "utf-16-le", "gbk"):
                    assert secret.encode(encoding) not in blob, f"{secret!r} found in plaintext ({encoding})"
        for phrase in ("草稿里的秘密描述", "邻居家的水管爆裂了"):
            assert phrase.encode() not in blob


def test_equal_values_never_give_equal_ciphertext(station: Station, data_dir: Path) -> None:
    for i in range(3):
        station.residents.add(resident(i, name="同名同姓", address="同一个地址"), VOLUNTEER)
    with sqlite3.connect(data_dir / "station.db") as conn:
        names = [row[0] for row in conn.execute("SELECT name_ct FROM residents")]
        addresses = [row[0] for row in conn.execute("SELECT address_ct FROM residents")]
    assert len(set(names)) == 3 and len(set(addresses)) == 3


def test_flipped_byte_is_an_integrity_error(station: Station, data_dir: Path) -> None:
    rid = station.residents.add(resident(1), VOLUNTEER)
    with sqlite3.connect(data_dir / "station.db") as conn:
        (blob,) = conn.execute("SELECT name_ct FROM residents WHERE id=?", (rid,)).fetchone()
        damaged = bytearray(blob)
        damaged[-5] ^= 0x01
        conn.execute("UPDATE residents SET name_ct=? WHERE id=?", (bytes(damaged), rid))
    with pytest.raises(IntegrityError, match=f"residents.name of record {rid}"):
        station.residents.get(rid, VOLUNTEER)


def test_swapped_rows_are_refused(station: Station, data_dir: Path) -> None:
    a = station.residents.add(resident(1), VOLUNTEER)
    b = station.residents.add(resident(2), VOLUNTEER)
    with sqlite3.connect(data_dir / "station.db") as conn:
        ct_a = conn.execute("SELECT id_number_ct FROM residents WHERE id=?", (a,)).fetchone()[0]
        ct_b = conn.execute("SELECT id_number_ct FROM residents WHERE id=?", (b,)).fetchone()[0]
        conn.execute("UPDATE residents SET id_number_ct=? WHERE id=?", (ct_b, a))
        conn.execute("UPDATE residents SET id_number_ct=? WHERE id=?", (ct_a, b))
    for rid in (a, b):
        with pytest.raises(IntegrityError):
            station.residents.get(rid, VOLUNTEER)


def test_value_moved_to_another_column_is_refused(station: Station, data_dir: Path) -> None:
    rid = station.residents.add(resident(3), VOLUNTEER)
    with sqlite3.connect(data_dir / "station.db") as conn:
        conn.execute("UPDATE residents SET name_ct=address_ct WHERE id=?", (rid,))
    with pytest.raises(IntegrityError):
        station.residents.get(rid, VOLUNTEER)


@settings(max_examples=200)
@given(value=st.binary(max_size=2048), table=st.sampled_from(["residents", "requests"]), row=st.uuids())
def test_round_trip_any_value(value: bytes, table: str, row: object) -> None:
    cipher = FieldCipher(KeyRing({1: new_key(), 2: new_key()}, active=2))
    aad = associated_data(table, "c", str(row))
    ct = cipher.encrypt(value, aad)
    assert value not in ct[17:] or len(value) < 4
    assert cipher.decrypt(ct, aad) == value
    with pytest.raises(IntegrityError):
        cipher.decrypt(ct, associated_data(table, "c", "another-row"))


@given(st.text(min_size=1, max_size=200))
def test_text_round_trip(text: str) -> None:
    cipher = FieldCipher(KeyRing({7: new_key()}, active=7))
    ct = cipher.encrypt_text(text, "residents", "name", "r1")
    assert cipher.decrypt_text(ct, "residents", "name", "r1") == text


def test_blind_index_finds_equal_values_only() -> None:
    index = BlindIndex(new_key())
    assert index("id", "a") == index("id", "a")
    assert index("id", "a") != index("id", "b")
    assert index("id", "a") != index("phone", "a")


def test_lookup_by_id_number_and_phone(station: Station) -> None:
    person = resident(4)
    rid = station.residents.add(person, VOLUNTEER)
    found = station.residents.find_by_id_number(person.id_number.lower(), KIOSK)
    assert found is not None and found.id == rid and found.name == person.name
    assert [r.id for r in station.residents.find_by_phone(person.phone, VOLUNTEER)] == [rid]
    assert station.residents.find_by_id_number(resident(5).id_number, KIOSK) is None


def test_the_fast_lookup_reads_what_the_orm_reads(station: Station) -> None:
    """`lookup` reads the driver's row itself (no ORM types): every field, the consent time, the
    living-alone flag and a missing consent come out exactly as the ORM read gives them."""
    people = [resident(8), resident(9, consent=False, phone="", address="")]
    ids = [station.residents.add(person, VOLUNTEER) for person in people]
    for rid, person in zip(ids, people, strict=True):
        assert station.residents.lookup(person.id_number) == station.residents.get(rid, VOLUNTEER)
    last = station.residents.lookup(people[1].id_number)
    assert last is not None and last.id == ids[1]
    assert last.consent_at is None and last.living_alone is False and last.phone == ""
    first = station.residents.lookup(people[0].id_number)
    assert first is not None and first.living_alone is True
    assert isinstance(first.consent_at, dt.datetime) and first.birth_date is not None


def test_reopen_with_passphrase_reads_everything(station: Station, data_dir: Path) -> None:
    rid = station.residents.add(resident(6), VOLUNTEER)
    station.close()
    again = Station.open(data_dir, PASSPHRASE)
    assert again.residents.get(rid, VOLUNTEER).name == resident(6).name
    again.close()
