"""The station's SQLite engine: WAL with durable commits, secure delete, migrations on open.

WAL + synchronous=FULL means a commit that returned is on disk even if power goes a moment later;
secure_delete overwrites freed pages so purged ciphertext does not linger in the file.
"""

from __future__ import annotations

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
SCHEMA_HEAD = "0004_parked_changes"


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
