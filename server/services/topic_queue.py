"""Topic segmentation off the push: a queue of pushed work requests whose topic words (jieba) are
still to be found.

The push writes one `topic_queue` row per new work request in its own transaction (services/
resident_index.py) instead of running jieba and writing `request_topics` and the three topic
rollups there. A request is segmented later, in one transaction that adds its words to
`request_topics`, its counts to `topic_day_counts`, `topic_word_day_counts` and
`topic_week_counts`, and deletes its queue row:

- by the hub worker's background thread (`TopicWorker`, started once the app serves; woken by each
  push of this process, and every few seconds for rows another process left), which claims rows
  `FOR UPDATE SKIP LOCKED` on PostgreSQL so several workers share the queue without waiting on each
  other; jieba's dictionary loads there, on the first queued request, never on the start path;
- by every reader of the topic figures (`drain`, called by services/topics.py and console_weeks'
  topic readers before they read), which claims rows `FOR UPDATE` and so waits for a batch the
  worker holds: what staff see right after a push already counts it.

Segmenting a request twice is harmless: only the `request_topics` rows an insert actually added are
counted (a request `yizhan-hub reindex` already segmented counts nothing again). The texts are read
back from the request's encrypted payload with the hub's DEK, registered per engine (`use_keys`) by
whoever opens the hub database with its keys; nothing personal is kept in the queue.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, delete, func, select
from sqlalchemy.orm import Session

from server.core.keys import HubKeys
from server.db.console_models import RequestTopic, TopicQueue
from server.db.models import ServiceRequest
from server.services import bulk, request_rollups, topics

BATCH = 200  # requests per claim: one transaction, one statement per table
POLL_SECONDS = float(os.environ.get("YIZHAN_HUB_TOPIC_POLL", "5"))  # rows other processes left
# After a push wakes it, the worker waits this long so one drain covers the pushes meanwhile (a
# transaction and a statement per table for many requests, not for each): nobody waits for it,
# since readers of topic figures drain whatever is still queued first.
GATHER_SECONDS = float(os.environ.get("YIZHAN_HUB_TOPIC_GATHER", "1"))
log = logging.getLogger(__name__)
_queue = cast(Table, TopicQueue.__table__)
_requests = cast(Table, ServiceRequest.__table__)
_topics = cast(Table, RequestTopic.__table__)
_keys: weakref.WeakKeyDictionary[Engine, HubKeys] = weakref.WeakKeyDictionary()
_workers: weakref.WeakKeyDictionary[Engine, TopicWorker] = weakref.WeakKeyDictionary()
ENV_WORKER = "YIZHAN_HUB_TOPIC_WORKER"  # "0": no background thread (readers still drain)


def use_keys(engine: Engine, keys: HubKeys) -> None:
    """The keys that open the payloads of `engine`'s requests (readers drain with them)."""
    _keys[engine] = keys


def start_worker(engine: Engine) -> TopicWorker | None:
    """This process's worker for `engine` (server/main.py's lifespan), unless YIZHAN_HUB_TOPIC_WORKER=0."""
    if os.environ.get(ENV_WORKER) == "0":
        return None
    worker = _workers[engine] = TopicWorker(engine)
    worker.start()
    return worker


def notify(engine: Engine) -> None:
    """A push of this process committed queue rows: wake its worker (no-op without one)."""
    worker = _workers.get(engine)
    if worker is not None:
        worker.wake()


def queue_row(request_id: str, station_id: str, day: date, topic_at: Any) -> dict[str, Any]:
    return {"request_id": request_id, "station_id": station_id, "day": day, "topic_at": topic_at}


def drain(conn_or_session: Connection | Session, *, wait: bool = True) -> int:
    """Segment every queued request in the caller's transaction (a reader, before it reads the
    topic figures); returns how many. `wait=False` (the background worker) skips rows another
    transaction holds. Without the hub's keys for this engine nothing is drained (the figures then
    leave out the requests still queued)."""
    conn = conn_or_session.connection() if isinstance(conn_or_session, Session) else conn_or_session
    keys = _keys.get(conn.engine)
    if keys is None:
        return 0
    done = 0
    while True:
        rows = _claim(conn, wait)
        if not rows:
            return done
        segment(conn, keys, rows)
        done += len(rows)


# PostgreSQL: claim a batch and take it off the queue in one statement (the rows stay locked, and
# come back if the transaction rolls back); the request's sealed payload comes with each row.
_CLAIM_SQL = (
    "DELETE FROM topic_queue q USING requests r WHERE r.id = q.request_id AND q.request_id IN ("
    " SELECT request_id FROM topic_queue ORDER BY request_id LIMIT {batch} FOR UPDATE{skip})"
    " RETURNING q.request_id, q.station_id, q.day, q.topic_at, r.payload_enc"
)


def _claim(conn: Connection, wait: bool) -> Sequence[Any]:
    """Up to `BATCH` queued requests (id, station, day, topic time, sealed payload), taken off the
    queue in the caller's transaction. PostgreSQL: `wait=False` skips rows another transaction
    holds (SKIP LOCKED); `wait=True` waits for it, then skips those it took."""
    if conn.dialect.name == "postgresql":
        pg = conn.connection.driver_connection
        assert pg is not None
        sql = _CLAIM_SQL.format(batch=BATCH, skip="" if wait else " SKIP LOCKED")
        return sorted(pg.execute(sql).fetchall())
    q = _queue.c  # SQLite: one writer at a time, nothing to skip
    rows = conn.execute(
        select(q.request_id, q.station_id, q.day, q.topic_at, _requests.c.payload_enc)
        .join(_requests, _requests.c.id == q.request_id)
        .order_by(q.request_id)
        .limit(BATCH)
    ).all()
    if rows:
        conn.execute(delete(_queue).where(_queue.c.request_id.in_([row[0] for row in rows])))
    return rows


def segment(conn: Connection, keys: HubKeys, rows: Sequence[Any]) -> None:
    """Find the topic words of claimed queue rows (request id, station, day, topic time, sealed
    payload, already taken off the queue by `_claim`): store and count the words not stored yet."""
    topic_rows: list[dict[str, Any]] = []
    day_of: dict[str, tuple[date, str]] = {}
    for row in rows:
        day_of[row[0]] = (row[2], row[1])
        try:
            payload = keys.decrypt_json(row[4], f"requests/payload/{row[0]}")
        except Exception:  # noqa: BLE001 — one unreadable payload must not stall the queue
            log.warning("request %s cannot be opened for its topics; left without them", row[0])
            continue
        fields = payload.get("fields") if isinstance(payload, dict) else None
        words = topics.words_of(fields if isinstance(fields, dict) else {})
        topic_rows.extend(topics.topic_rows(row[0], row[1], row[3], words))
    added = bulk.insert_rows(
        conn,
        _topics,
        topic_rows,
        conflict=["request_id", "word"],
        returning=("request_id", "word", "topic"),
    )
    words_by: dict[str, dict[str, str]] = {}
    for request_id, word, topic in added:
        words_by.setdefault(request_id, {})[word] = topic
    request_rollups.add_topics(
        conn, [(day_of[rid][0], day_of[rid][1], words) for rid, words in sorted(words_by.items())]
    )


def pending(conn: Connection) -> int:
    """Queued requests not segmented yet."""
    return int(conn.scalar(select(func.count()).select_from(_queue)) or 0)


class TopicWorker:
    """One background thread per hub process draining the queue (`wake` after a push commits)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="topic-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        _workers.pop(self._engine, None)
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._wake.wait(POLL_SECONDS) and self._stop.wait(GATHER_SECONDS):
                return
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.run_once()
            except Exception:  # the next wake or poll tries again; readers drain too
                log.warning("topic queue not drained", exc_info=True)

    def run_once(self) -> int:
        """Drain in batches of `BATCH`, one transaction each (a reader waiting on a batch waits for
        one batch, not the whole backlog), until a batch comes back short: rows queued after it
        wake the worker again, so no transaction is spent finding the queue empty."""
        done = 0
        while True:
            with self._engine.begin() as conn:
                keys = _keys.get(self._engine)
                rows = _claim(conn, wait=False) if keys is not None else []
                if rows and keys is not None:
                    segment(conn, keys, rows)
            done += len(rows)
            if len(rows) < BATCH:
                return done
