"""Passphrase, key rotation, audit chain, PIN lockout, retention — the station's security promises."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from models.keyfile import KeyFile, KeyFileError, WrongPassphrase
from models.retention import purge
from models.rotation import rotate_data_key
from models.schema import RequestState, ServiceRequest, utcnow
from models.station import KIOSK, Actor, Station
from models.volunteers import LockedOut, check_pin, lockout_seconds
from tests.core.conftest import PASSPHRASE, resident

ADMIN = Actor("admin", "a1")


def test_wrong_passphrase_refused_and_recorded(station: Station, data_dir: Path) -> None:
    station.close()
    with pytest.raises(WrongPassphrase):
        Station.open(data_dir, "not the passphrase")
    again = Station.open(data_dir, PASSPHRASE)
    with again.read() as session:
        actions = [e.action for e in session.query(__import__("models.schema").schema.AuditEvent)]
    assert actions[-2:] == ["unlock", "failed_unlock"]
    again.close()


def test_passphrase_change_rewraps_only(station: Station, data_dir: Path) -> None:
    rid = station.residents.add(resident(1), ADMIN)
    station.close()
    before = (data_dir / "station.db").read_bytes()
    KeyFile.load(data_dir / "station.key").change_passphrase(PASSPHRASE, "a brand new phrase")
    assert (data_dir / "station.db").read_bytes() == before  # no record rewritten
    with pytest.raises(WrongPassphrase):
        Station.open(data_dir, PASSPHRASE)
    again = Station.open(data_dir, "a brand new phrase")
    assert again.residents.get(rid, ADMIN).name == resident(1).name
    again.close()


def test_corrupt_key_file_is_a_clear_error(station: Station, data_dir: Path) -> None:
    station.close()
    (data_dir / "station.key").write_text("{not json")
    with pytest.raises(KeyFileError, match="damaged"):
        Station.open(data_dir, PASSPHRASE)


def test_rotation_keeps_every_record_readable(station: Station, data_dir: Path) -> None:
    ids = [station.residents.add(resident(i), ADMIN) for i in range(7)]
    req = station.requests.submit("problem_report", {"description": "旧钥匙写的"}, KIOSK, resident_id=ids[0])
    result = rotate_data_key(station, ADMIN, batch=3)
    assert result["active_key_id"] == 2 and result["retired"] == 1
    assert result["reencrypted_values"] >= 7 * 5 + 1
    keyfile = json.loads((data_dir / "station.key").read_text())
    assert list(keyfile["data_keys"]) == ["2"] and keyfile["retiring"] == []
    station.close()
    again = Station.open(data_dir, PASSPHRASE)
    assert [again.residents.get(i, ADMIN).name for i in ids] == [resident(i).name for i in range(7)]
    assert again.requests.get(req.id).fields == {"description": "旧钥匙写的"}
    again.close()


def test_interrupted_rotation_resumes(station: Station, data_dir: Path) -> None:
    ids = [station.residents.add(resident(i), ADMIN) for i in range(4)]
    station.keyfile.add_data_key(station._kek)  # as if the process died right after this step
    station.close()
    resumed = Station.open(data_dir, PASSPHRASE)
    assert resumed.residents.get(ids[0], ADMIN).name == resident(0).name  # old key still held
    result = rotate_data_key(resumed, ADMIN)
    assert result["active_key_id"] == 2 and result["retired"] == 1
    assert [resumed.residents.get(i, ADMIN).name for i in ids] == [resident(i).name for i in range(4)]
    resumed.close()


def _tamper(data_dir: Path, sql: str, *params: object) -> None:
    with sqlite3.connect(data_dir / "station.db") as conn:
        conn.execute(sql, params)


def _findings(data_dir: Path) -> list[str]:
    st = Station.open(data_dir, PASSPHRASE)
    with st.read() as session:
        found = [str(f) for f in st.audit.verify(session)]
    st.close()
    return found


@pytest.fixture
def audited(station: Station, data_dir: Path) -> Path:
    for i in range(6):
        station.residents.add(resident(i), ADMIN)
    station.close()
    return data_dir


def test_intact_chain_verifies(audited: Path) -> None:
    assert _findings(audited) == []


def test_changed_event_detected(audited: Path) -> None:
    _tamper(audited, "UPDATE audit_events SET actor='admin:someone-else' WHERE seq=3")
    assert any(f.startswith("event #3: was changed") for f in _findings(audited))


def test_removed_event_detected(audited: Path) -> None:
    _tamper(audited, "DELETE FROM audit_events WHERE seq=4")
    assert any("#4–#4 were removed" in f for f in _findings(audited))


def test_removed_tail_detected(audited: Path) -> None:
    _tamper(audited, "DELETE FROM audit_events WHERE seq>=6")
    found = _findings(audited)
    assert any("were removed" in f for f in found), found


def _cut_tail_and_rewrite_head(data_dir: Path, keep_up_to: int) -> None:
    """The attack the head MAC stops: delete the newest events, point audit_head at the new last one."""
    with sqlite3.connect(data_dir / "station.db") as conn:
        conn.execute("DELETE FROM audit_events WHERE seq>?", (keep_up_to,))
        seq, mac = conn.execute("SELECT seq, mac FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
        conn.execute(
            "UPDATE settings SET value=? WHERE key='audit_head'", (json.dumps({"seq": seq, "mac": mac}),)
        )


def test_cut_tail_with_rewritten_head_detected(audited: Path) -> None:
    _cut_tail_and_rewrite_head(audited, 4)
    found = _findings(audited)  # opening appends new events on top of the forged head first
    assert any("rewritten" in f for f in found), found
    assert _findings(audited), "later writes must not bless the forged head"


def test_unsigned_head_of_an_old_station_is_adopted_once() -> None:
    """A chain written before the head MAC (no `head_signed` event yet) gets its head signed once;
    after that an unsigned head is a finding, never adopted again."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from models.audit import AuditLog
    from models.schema import Base, Setting

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    log = AuditLog(b"c" * 32, b"h" * 32)

    def strip_tag(session: Session) -> None:
        head = session.get(Setting, "audit_head")
        assert head is not None
        head.value = json.dumps({k: v for k, v in json.loads(head.value).items() if k != "tag"})

    with Session(engine) as session, session.begin():
        for i in range(3):
            log.append(session, "admin:a1", "read", f"resident:{i}")
        strip_tag(session)  # as the old code wrote it
        session.flush()
        assert log.adopt_unsigned_head(session) and log.verify(session) == []
        strip_tag(session)
        session.flush()
        assert not log.adopt_unsigned_head(session)
        assert any("rewritten" in str(f) for f in log.verify(session))


def test_reordered_events_detected(audited: Path) -> None:
    with sqlite3.connect(audited / "station.db") as conn:
        conn.execute("UPDATE audit_events SET seq=-1 WHERE seq=3")
        conn.execute("UPDATE audit_events SET seq=3 WHERE seq=4")
        conn.execute("UPDATE audit_events SET seq=4 WHERE seq=-1")
    found = _findings(audited)
    assert any(f.startswith("event #3") for f in found) and any(f.startswith("event #4") for f in found)


def test_pin_lockout_grows(station: Station) -> None:
    station.volunteers.add("志愿者", "2468", "volunteer", ADMIN)
    t0 = utcnow()
    for _ in range(3):
        assert station.volunteers.sign_in("0000", now=t0) is None
    with pytest.raises(LockedOut) as first:
        station.volunteers.sign_in("2468", now=t0)
    assert 29 <= first.value.seconds <= 30
    later = t0 + dt.timedelta(seconds=31)
    assert station.volunteers.sign_in("1111", now=later) is None  # 4th failure: 60 s now
    with pytest.raises(LockedOut) as second:
        station.volunteers.sign_in("2468", now=later + dt.timedelta(seconds=31))
    assert second.value.seconds > 25
    ok = station.volunteers.sign_in("2468", now=later + dt.timedelta(seconds=61))
    assert ok is not None and ok.role == "volunteer"
    assert station.volunteers.locked_for() == 0  # success resets the pad
    assert [lockout_seconds(n) for n in (2, 3, 4, 5, 20)] == [0, 30, 60, 120, 3600]


def test_pin_verifier_is_useless_without_the_station_keys(station: Station, data_dir: Path) -> None:
    """A guesser holding only station.db computes scrypt(PIN, salt) for the right PIN and still
    finds no match: the stored value is HMAC(pepper, scrypt(...)) and the pepper is in station.key."""
    import base64
    import hashlib

    station.volunteers.add("志愿者", "975310", "admin", ADMIN)
    with sqlite3.connect(data_dir / "station.db") as conn:
        (stored,) = conn.execute("SELECT pin_hash FROM volunteers").fetchone()
    scheme, n, r, p, salt, value = stored.split("$")
    offline = hashlib.scrypt(b"975310", salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    assert scheme == "pscrypt" and base64.b64decode(value) != offline  # the right guess does not show
    assert not check_pin("975310", stored, b"\0" * 32)  # nor with any other pepper
    assert check_pin("975310", stored, station.pin_pepper)


def test_unpeppered_verifiers_are_upgraded_at_unlock(station: Station, data_dir: Path) -> None:
    """A station from before the pepper: its `scrypt$` verifiers are wrapped at the next unlock and
    the same PIN still signs in; an unpeppered verifier is never accepted as it is."""
    import base64
    import hashlib

    vid = station.volunteers.add("老志愿者", "975310", "volunteer", ADMIN)
    station.close()
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"975310", salt=salt, n=2**14, r=8, p=1, dklen=32)
    legacy = f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    _tamper(data_dir, "UPDATE volunteers SET pin_hash=? WHERE id=?", legacy, vid)
    assert not check_pin("975310", legacy, b"\0" * 32)
    again = Station.open(data_dir, PASSPHRASE)
    with sqlite3.connect(data_dir / "station.db") as conn:
        (stored,) = conn.execute("SELECT pin_hash FROM volunteers").fetchone()
    assert stored.startswith("pscrypt$") and digest.hex() not in stored
    assert base64.b64encode(digest).decode() not in stored
    signed = again.volunteers.sign_in("975310")
    assert signed is not None and signed.id == vid
    again.close()


def test_retention_purges_only_closed_acknowledged(station: Station, data_dir: Path) -> None:
    rid = station.residents.add(resident(1), ADMIN)
    done = station.requests.submit("problem_report", {"description": "旧事"}, KIOSK, resident_id=rid)
    open_ = station.requests.submit("problem_report", {"description": "还在办"}, KIOSK, resident_id=rid)
    unsent = station.requests.submit("certificate", {"certificate_type": "residence"}, KIOSK, resident_id=rid)
    with station.write() as session:
        station.requests.apply_hub_status(session, done.id, RequestState.DONE, "办好了", hub_seq=1)
        station.requests.apply_hub_status(session, open_.id, RequestState.IN_PROGRESS, None, hub_seq=2)
        for rq in session.query(ServiceRequest):
            rq.closed_at = rq.closed_at and rq.closed_at - dt.timedelta(days=200)
    assert purge(station, ADMIN, days=180, dry_run=True) == 1
    assert purge(station, ADMIN, days=180) == 1
    with pytest.raises(KeyError):
        station.requests.get(done.id)
    assert station.requests.get(open_.id).state == RequestState.IN_PROGRESS
    assert station.requests.get(unsent.id).state == RequestState.QUEUED
    with station.read() as session:
        assert not station.audit.verify(session)
        assert (
            session.query(__import__("models.schema").schema.AuditEvent).filter_by(action="purge").count()
            == 1
        )
    assert "办好了".encode() not in (data_dir / "station.db").read_bytes()


def test_rotation_refuses_while_another_program_has_the_station_open(
    station: Station, data_dir: Path
) -> None:
    from models.station import StationError

    kiosk = Station.open(data_dir, PASSPHRASE)  # e.g. the running kiosk
    try:
        with pytest.raises(StationError, match="open in another program"):
            rotate_data_key(station, ADMIN)
        assert json.loads((data_dir / "station.key").read_text())["active_key_id"] == 1  # nothing changed
        rid = kiosk.residents.add(resident(3), ADMIN)
    finally:
        kiosk.close()
    assert rotate_data_key(station, ADMIN)["active_key_id"] == 2  # alone now: it goes ahead
    station.close()
    again = Station.open(data_dir, PASSPHRASE)
    assert again.residents.get(rid, ADMIN).name == resident(3).name
    again.close()
