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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from server.core.config import normalise_db_url

# Any constant works; it only has to be the same in every hub process.
CHANGE_FEED_LOCK_KEY = 0x59495A48  # "YIZH"


# A pooled connection idle for longer than this is pinged before use; one in steady use is not.
PING_AFTER_IDLE_SECONDS = 10.0


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    url = normalise_db_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
    _pool_hooks(engine)
    return engine


def _pool_hooks(engine: Engine) -> None:
    """Pre-ping only a connection that sat idle in the pool, where a restarted server or a dropped
    link would have broken it unnoticed: SQLAlchemy's `pool_pre_ping` pings on every checkout, one
    more round trip for each request. A connection libpq already knows to be closed is replaced
    without a ping. (A link that drops mid-burst fails that one request, which the station retries.)
    And undo `begin_pipelined`'s autocommit once its transaction is over."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()
        if record.info.pop("pipelined_begin", False) and not dbapi_conn.closed:
            _autocommit(dbapi_conn, False)  # as begin_pipelined found it

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A connection used again before it returns to the pool: psycopg must open its transactions
        # itself again (see begin_pipelined), or each statement would commit on its own.
        info, pg = conn.connection.info, conn.connection.driver_connection
        if info.get("pipelined_begin") and pg is not None and pg.info.transaction_status == 0:  # IDLE
            info.pop("pipelined_begin")
            _autocommit(pg, False)

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if getattr(dbapi_conn, "closed", False) or getattr(dbapi_conn, "broken", False):
            raise DisconnectionError("connection closed while pooled")
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # any failure means: replace this connection
            raise DisconnectionError("pooled connection failed its ping") from exc


def _autocommit(dbapi_conn: Any, value: bool) -> None:
    try:
        dbapi_conn.autocommit = value
    except Exception:  # noqa: BLE001 — a connection left in a transaction: the pool closes it
        dbapi_conn.close()


@contextmanager
def begin_pipelined(conn: Connection) -> Iterator[Any]:
    """A psycopg pipeline on the connection of `conn` (PostgreSQL) whose statements share one
    round trip with the transaction's BEGIN; yields the psycopg connection.

    psycopg, left to itself, sends BEGIN before the first statement of a transaction and waits for
    its answer, even in a pipeline: one round trip more per request. So for the rest of this
    transaction the psycopg connection is put in autocommit mode (it then sends no BEGIN of its
    own) and BEGIN is queued first in the pipeline; COMMIT and ROLLBACK work as before (psycopg
    sends them whenever the server says a transaction is open), and autocommit goes off again
    when the connection comes back to the pool or begins its next transaction (`_pool_hooks`).
    """
    from psycopg import pq

    if not conn.in_transaction():
        conn.begin()  # as a statement through SQLAlchemy would: its commit() or rollback() ends this one
    fairy = conn.connection
    pg = fairy.driver_connection
    assert pg is not None
    opening = pg.info.transaction_status == pq.TransactionStatus.IDLE and not pg.autocommit
    if opening:
        pg.autocommit = True
        fairy.info["pipelined_begin"] = True
    with pg.pipeline():
        if opening:
            pg.execute("BEGIN")
        yield pg


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
