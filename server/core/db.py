"""Database engine and transactions for PostgreSQL (psycopg 3) and SQLite (embedded demo).

An SQLite file is created (or tightened to) mode 0600: it holds ciphertext, but also who filed
what, when, and the console's audit trail.

Every write goes through `transaction()`. On SQLite each transaction starts with BEGIN IMMEDIATE,
so concurrent uvicorn workers queue on the file lock instead of failing with "database is locked"
half-way through a batch. On PostgreSQL `lock_change_feed()` takes a transaction-scoped advisory
lock: it is what keeps change sequence numbers in commit order (see services/feed.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from server.core.config import normalise_db_url

# Any constant works; it only has to be the same in every hub process.
CHANGE_FEED_LOCK_KEY = 0x59495A48  # "YIZH"


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    url = normalise_db_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_engine(url: str) -> Engine:
    _private_file(make_url(url).database)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (pysqlite quirk).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _private_file(database: str | None) -> None:
    """Create the SQLite file 0600 before SQLite does (it would use the umask, often 0644); its WAL
    and shared-memory files take the database file's mode. An existing file is tightened too."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists():
        path.chmod(0o600)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def is_postgres(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    with factory() as session, session.begin():
        yield session


def lock_change_feed(session: Session) -> None:
    """Serialise writers of the change feed until this transaction ends (commit or rollback)."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHANGE_FEED_LOCK_KEY})
    # SQLite: BEGIN IMMEDIATE already made this the only writer.
