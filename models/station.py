"""The unlocked station: database, keys, audit log and the repositories residents' data goes through.

`Station.create` makes a new data folder; `Station.open` unlocks an existing one with the passphrase.
Until then nothing personal is readable: the kiosk shows its name from `read_public_settings` only.
`Station.prepare` does, while the passphrase is still being typed, the part of opening that needs no
key (the file and schema checks, migrations, the database engine), so that after Enter only the key
derivation and the unlock transaction remain.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from models import db
from models.audit import HEAD_SIGNED, AuditLog
from models.crypto import BlindIndex, FieldCipher, KeyRing
from models.keyfile import KEYFILE_NAME, KeyFile, WrongPassphrase
from models.schema import Counter, Setting, utcnow
from models.seqmark import SeqMark
from models.settings import SETTINGS, coerce

LOCK_NAME = "station.lock"
RECEIPTS_LOST = "receipts_lost"


class StationError(Exception):
    """A station folder cannot be used; the message says why and what to do."""


class DamagedStation(StationError):
    """The database file is damaged; the message names the next step (restore a backup)."""

    def __init__(self, data_dir: Path, why: str) -> None:
        super().__init__(
            f"the station database in {data_dir} is damaged ({why}); restore the newest copy made by "
            f"`yizhan backup` with `yizhan restore --from FILE --data-dir {data_dir}`"
        )


def _check_file(data_dir: Path) -> None:
    problem = db.damage_in_header(data_dir / db.DB_NAME)
    if problem:
        raise DamagedStation(data_dir, problem)


def _damage_reason(exc: DatabaseError) -> str:
    return str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__


@dataclass(frozen=True)
class Actor:
    """Who is acting: the kiosk on a resident's behalf, a volunteer/admin, or the system itself."""

    kind: str
    id: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id}" if self.id else self.kind

    @property
    def is_staff(self) -> bool:
        return self.kind in ("volunteer", "admin")


KIOSK = Actor("kiosk")
SYSTEM = Actor("system")


def _begin_immediate(conn: Any) -> None:
    # Write transactions take SQLite's write lock up front, so two processes (kiosk and `yizhan sync`)
    # never both read a counter and then collide on the insert.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")


def _connect_plain(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let our BEGIN (above) be the only one


def _hold_shared_lock(data_dir: Path) -> int:
    fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def read_public_settings(data_dir: Path) -> dict[str, Any]:
    """Settings readable without the passphrase (station name, locale) for the locked start screen."""
    path = Path(data_dir) / db.DB_NAME
    if not path.exists():
        raise StationError(f"{data_dir} is not a station data folder (run `yizhan init` or `yizhan demo`)")
    _check_file(Path(data_dir))
    engine = db.make_engine(path)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Setting.key, Setting.value)).all()
    except DatabaseError as exc:
        raise DamagedStation(Path(data_dir), _damage_reason(exc)) from None
    finally:
        engine.dispose()
    values = {spec.key: spec.default for spec in SETTINGS}
    values.update({k: json.loads(v) for k, v in rows if k in values})
    return values


def _station_engine(data_dir: Path) -> Engine:
    engine = db.make_engine(data_dir / db.DB_NAME)
    event.listen(engine, "connect", _connect_plain)
    event.listen(engine, "begin", _begin_immediate)
    return engine


class PreparedOpen:
    """A station folder checked and migrated, with its database engine made, before the passphrase
    is known: nothing is decrypted or unlocked here (no key exists yet). `Station.open(...,
    prepared=)` takes the engine over once; until then a wrong passphrase leaves it for the next try."""

    def __init__(self, data_dir: Path, engine: Engine) -> None:
        self.data_dir = Path(data_dir)
        self._engine: Engine | None = engine

    def take_engine(self) -> Engine | None:
        """The engine, to the station that unlocks with it (None once taken or discarded)."""
        engine, self._engine = self._engine, None
        return engine

    @property
    def engine_taken(self) -> bool:
        return self._engine is None

    def give_back(self, engine: Engine) -> None:
        """A wrong passphrase: the engine waits for the next try."""
        self._engine = engine

    def discard(self) -> None:
        engine = self.take_engine()
        if engine is not None:
            engine.dispose()


class Station:
    def __init__(
        self,
        data_dir: Path,
        keyfile: KeyFile,
        kek: bytes,
        ring: KeyRing,
        index_key: bytes,
        *,
        engine: Engine | None = None,
    ) -> None:
        from models.requests import RequestRepo
        from models.residents import ResidentRepo
        from models.volunteers import VolunteerRepo

        self.data_dir = Path(data_dir)
        self._lock_fd: int | None = _hold_shared_lock(self.data_dir)
        self.keyfile = keyfile
        self._kek = kek
        ring.on_unknown = self._reload_key
        self.cipher = FieldCipher(ring)
        self.index = BlindIndex(index_key)
        self.audit = AuditLog(self.index.derive("audit-chain"), self.index.derive("audit-head"))
        # Mixed into every PIN verifier: without the unlocked keys a stolen database cannot test a PIN.
        self.pin_pepper = self.index.derive("pin-pepper")
        self.seqmark = SeqMark(self.data_dir, self.index.derive("receipt-mark"))
        self.engine: Engine = engine if engine is not None else _station_engine(self.data_dir)
        self._read = db.session_factory(self.engine)
        self._write: sessionmaker[Session] = sessionmaker(
            self.engine.execution_options(immediate=True), expire_on_commit=False
        )
        self.residents = ResidentRepo(self)
        self.requests = RequestRepo(self)
        self.volunteers = VolunteerRepo(self)

    # -- lifecycle -----------------------------------------------------------
    @classmethod
    def create(
        cls, data_dir: Path, passphrase: str, *, name: str, locale: str = "zh_CN", prefix: str = "A01"
    ) -> Station:
        data_dir = Path(data_dir)
        if (data_dir / KEYFILE_NAME).exists() or (data_dir / db.DB_NAME).exists():
            raise StationError(f"{data_dir} already holds a station; refusing to overwrite it")
        data_dir.mkdir(parents=True, exist_ok=True)
        data_dir.chmod(0o700)
        try:
            keyfile, keys = KeyFile.create(data_dir / KEYFILE_NAME, passphrase)
        except ValueError as exc:
            raise StationError(str(exc)) from None
        kek, _ = keyfile.unlock(passphrase)
        db.create_private(data_dir / db.DB_NAME)
        engine = db.make_engine(data_dir / db.DB_NAME)
        db.migrate(engine)
        engine.dispose()
        station = cls(data_dir, keyfile, kek, KeyRing(keys.data_keys, keys.active_id), keys.index_key)
        with station.write() as session:
            for key, value in (("station_name", name), ("locale", locale), ("station_prefix", prefix)):
                station._put_setting(session, key, value)
            station.audit.append(session, SYSTEM.label, "init", "station")
            # Signed heads from the start: this station never adopts an unsigned one (see audit.py).
            station.audit.append(session, SYSTEM.label, HEAD_SIGNED, "audit")
        return station

    @classmethod
    def prepare(cls, data_dir: Path) -> PreparedOpen:
        """Everything opening needs that no key is needed for: the folder is a station, its file is
        sound, its schema is migrated to the newest revision, the engine is made and has compiled
        the statements the unlock transaction reads with. Raises StationError (or DamagedStation)."""
        data_dir = Path(data_dir)
        if not (data_dir / db.DB_NAME).exists():
            raise StationError(
                f"{data_dir} is not a station data folder (run `yizhan init` or `yizhan demo`)"
            )
        KeyFile.load(data_dir / KEYFILE_NAME)  # a missing or unreadable key file says so now
        db.tighten_permissions(data_dir / db.DB_NAME)
        _check_file(data_dir)
        migrating = db.make_engine(data_dir / db.DB_NAME)
        try:
            db.migrate(migrating)
        except DatabaseError as exc:
            raise DamagedStation(data_dir, _damage_reason(exc)) from None
        finally:
            migrating.dispose()
        engine = _station_engine(data_dir)
        try:
            with Session(engine) as session:  # reads only, of rows stored in the clear
                session.get(Setting, "failed_unlocks")
                session.get(Counter, "receipt")
        except DatabaseError as exc:
            engine.dispose()
            raise DamagedStation(data_dir, _damage_reason(exc)) from None
        return PreparedOpen(data_dir, engine)

    @classmethod
    def open(
        cls,
        data_dir: Path,
        passphrase: str,
        *,
        prepared: PreparedOpen | None = None,
        finish_later: bool = False,
    ) -> Station:
        """Unlock the station with its passphrase. With `prepared` (from `prepare` on the same
        folder, while the passphrase was typed) only the key derivation and the unlock remain.
        With `finish_later` the unlock transaction (`finish_unlock`) is left to the caller, who must
        run it on the same thread before anything else uses the station (the kiosk queues it on its
        DB worker right behind the open, and shows home meanwhile)."""
        data_dir = Path(data_dir)
        own = prepared is None or prepared.data_dir != data_dir or prepared.engine_taken
        if own or prepared is None:
            prepared = cls.prepare(data_dir)
        engine = prepared.take_engine()
        assert engine is not None
        try:
            keyfile = KeyFile.load(data_dir / KEYFILE_NAME)  # read now: a passphrase changed meanwhile counts
            kek, keys = keyfile.unlock(passphrase)
        except WrongPassphrase:
            if own:
                engine.dispose()
            else:
                prepared.give_back(engine)  # the caller's, for the next try
            cls._record_failed_unlock(data_dir, keyfile)
            raise
        except BaseException:
            engine.dispose()
            raise
        station = cls(
            data_dir, keyfile, kek, KeyRing(keys.data_keys, keys.active_id), keys.index_key, engine=engine
        )
        if not finish_later:
            station.finish_unlock()
        return station

    def finish_unlock(self) -> None:
        """The unlock transaction (`_on_unlock`); a damaged database raises DamagedStation, and the
        station is closed on any failure."""
        try:
            self._on_unlock()
        except DatabaseError as exc:
            self.close()
            raise DamagedStation(self.data_dir, _damage_reason(exc)) from None
        except BaseException:
            self.close()
            raise

    def _on_unlock(self) -> None:
        from models.volunteers import pepper_legacy_hashes

        """Upgrades that need the keys (sign an old audit head, pepper old PIN verifiers), the receipt
        mark check, and the unlock itself: one transaction."""
        with self.write() as session:
            self.audit.adopt_unsigned_head(session)
            upgraded = pepper_legacy_hashes(session, self.pin_pepper)
            if upgraded:
                self.audit.append(session, SYSTEM.label, "pin_pepper", "volunteers", count=upgraded)
            self._reconcile_receipts(session)
            self.audit.append(session, SYSTEM.label, "unlock", "station")
            failures = self._get_setting(session, "failed_unlocks", 0)
            if failures:
                # Failed attempts happened while locked (no key to chain them); record them now.
                self.audit.append(session, SYSTEM.label, "failed_unlock", "station", count=failures)
                self._put_setting(session, "failed_unlocks", 0)

    def _reconcile_receipts(self, session: Session) -> None:
        """Compare the receipt counter with the mark kept outside the database. A counter behind the
        mark means the database lost commits (its WAL, or an older backup was restored): move the
        counter past every number ever handed out and record what may be gone."""
        counter = session.get(Counter, "receipt")
        value = counter.value if counter is not None else 0
        mark = self.seqmark.read()
        if mark is None or mark < value:
            self.seqmark.raise_to(value)
            return
        if mark == value:
            return
        if counter is None:
            counter = Counter(name="receipt", value=0)
            session.add(counter)
        counter.value = mark
        lost = {"first": value + 1, "last": mark, "found_at": utcnow().isoformat(timespec="seconds")}
        self._put_setting(session, RECEIPTS_LOST, lost)
        self.audit.append(session, SYSTEM.label, RECEIPTS_LOST, "station", first=value + 1, last=mark)

    def checkpoint(self) -> None:
        """Copy committed pages from the WAL into station.db now (PASSIVE: never waits for readers),
        so an acknowledged save is in the main file even if the -wal file is lost later. Run on a
        pooled driver connection outside any transaction (a session's BEGIN and ROLLBACK around it
        cost more than the PRAGMA's own work; every submission runs it)."""
        self.query_rows("PRAGMA wal_checkpoint(PASSIVE)", ())

    @staticmethod
    def _record_failed_unlock(data_dir: Path, keyfile: KeyFile) -> None:
        engine = db.make_engine(data_dir / db.DB_NAME)
        try:
            with Session(engine) as session, session.begin():
                row = session.get(Setting, "failed_unlocks")
                count = json.loads(row.value) if row else 0
                session.merge(Setting(key="failed_unlocks", value=json.dumps(count + 1)))
        finally:
            engine.dispose()

    def _reload_key(self, key_id: int) -> bytes | None:
        self.keyfile = KeyFile.load(self.keyfile.path)
        return self.keyfile.unwrap_one(self._kek, key_id)

    def close(self) -> None:
        self.engine.dispose()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the shared lock
            self._lock_fd = None

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Run something no other process may overlap (key rotation): every open Station holds a
        shared lock on `station.lock`; this upgrades ours, or refuses while anyone else has it open."""
        assert self._lock_fd is not None, "station is closed"
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StationError(
                "the station is open in another program (the kiosk or a sync); close it first"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_SH)

    def __enter__(self) -> Station:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- sessions ---------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: commits on success, rolls back on any error."""
        with self._write() as session, session.begin():
            yield session

    def query_rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """The rows of one SELECT, run straight on a pooled driver connection: no ORM session and no
        explicit transaction (the connection autocommits, so the one statement reads one consistent
        snapshot). A tenth of the CPU of `read()` for a hot single-statement read — the kiosk's
        ID look-up; everything else uses `read()`."""
        raw = self.engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert driver is not None
            return list(driver.execute(sql, params).fetchall())
        finally:
            raw.close()

    # -- settings -----------------------------------------------------------------
    def _get_setting(self, session: Session, key: str, default: Any) -> Any:
        row = session.get(Setting, key)
        return default if row is None else json.loads(row.value)

    def _put_setting(self, session: Session, key: str, value: Any) -> None:
        session.merge(Setting(key=key, value=json.dumps(value, ensure_ascii=False)))

    def setting_raw(self, key: str, default: Any, session: Session | None = None) -> Any:
        """An internal (undeclared) setting such as lockout state."""
        if session is not None:
            return self._get_setting(session, key, default)
        with self.read() as own:
            return self._get_setting(own, key, default)

    def put_setting_raw(self, session: Session, key: str, value: Any) -> None:
        self._put_setting(session, key, value)

    def settings(self) -> dict[str, Any]:
        with self.read() as session:
            rows = {str(k): str(v) for k, v in session.execute(select(Setting.key, Setting.value)).all()}
        values = {spec.key: spec.default for spec in SETTINGS}
        values.update({k: json.loads(v) for k, v in rows.items() if k in values})
        return values

    def setting(self, key: str) -> Any:
        return self.settings()[key]

    def update_settings(self, actor: Actor, **changes: Any) -> None:
        with self.write() as session:
            for key, value in changes.items():
                self._put_setting(session, key, coerce(key, value))
            self.audit.append(session, actor.label, "settings", "station", keys=sorted(changes))
