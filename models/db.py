"""The station's SQLite engine: WAL with durable commits, secure delete, migrations on open.

WAL + synchronous=FULL means a commit that returned is on disk even if power goes a moment later;
secure_delete overwrites freed pages so purged ciphertext does not linger in the file.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

DB_NAME = "station.db"
# The newest revision in models/migrations/versions (tests/core/test_schema.py keeps the two in step).
# Knowing it lets an up-to-date station skip importing Alembic at start: a tenth of a second saved.
SCHEMA_HEAD = "0008"


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=FULL",
        "foreign_keys=ON",
        "secure_delete=ON",
        "busy_timeout=10000",
        "temp_store=MEMORY",  # temp tables and sort spills never touch disk
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def create_private(db_path: Path) -> None:
    """Create the empty database file 0600 before SQLite opens it: SQLite gives the -wal and -shm
    files the main file's permissions, so all three are private to this user from the start."""
    os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def tighten_permissions(db_path: Path) -> None:
    """Stations made before files were created 0600: make station.db, -wal and -shm private now."""
    for path in (db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except FileNotFoundError:
            pass


def damage_in_header(db_path: Path) -> str | None:
    """A cheap look at the file header (no full scan): not SQLite at all, or shorter than the page
    count the header promises (a truncated copy). None when the header looks sound."""
    with open(db_path, "rb") as handle:
        header = handle.read(100)
    if not header:
        return None  # an empty file is an empty database (a station being created)
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return "it is not a SQLite database file"
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages, valid_for = (struct.unpack(">I", header[o : o + 4])[0] for o in (24, 28, 92))
    wal = db_path.with_name(db_path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        return None  # mid-checkpoint after a crash the header runs ahead of the file; the WAL completes it
    if change_counter == valid_for and pages and db_path.stat().st_size < pages * page_size:
        return f"the file is cut short ({db_path.stat().st_size} of {pages * page_size} bytes)"
    return None


def make_engine(db_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{db_path}", future=True)
    event.listen(engine, "connect", _on_connect)
    return engine


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "models:migrations")
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            value = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except OperationalError:
            return None
    return None if value is None else str(value)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (no-op when current)."""
    if current_revision(engine) == SCHEMA_HEAD:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
