"""Topic segmentation off the push (server/services/topic_queue.py): a push queues its work requests
instead of running jieba; the topics page (or the hub's background worker) segments them, once,
and what staff read right after a push already counts it. PostgreSQL workers share the queue with
SKIP LOCKED; the embedded SQLite hub queues and drains the same way. A hub starts without loading
jieba's dictionary."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select, text

from server.db.console_models import RequestTopic, TopicQueue
from server.services import topic_queue, topics
from sync.protocol import ItemStatus
from tests.console.seeding import HubDb, hub_db
from tests.hub.test_push_pipeline import _mixed, _pusher, pg_hub

assert pg_hub  # the PostgreSQL hub fixture, shared with the pipelined-push tests

WORK = 4  # _mixed's work requests: two problem reports, a help call, a subsidy application


def _count(db: HubDb, model: type) -> int:
    with db.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


def _this_week(db: HubDb) -> dict[str, int]:
    """The topics page's figures, read as the page reads them (which segments what is queued)."""
    with db.session() as session:
        return {t.label: t.count for t in topics.analyse(session)}


def test_a_push_queues_its_requests_and_the_topics_page_counts_them(pg_hub: HubDb) -> None:
    p = _pusher(pg_hub, "TQ1")
    assert all(a.status is ItemStatus.ACCEPTED for a in p.push(_mixed(p)))
    # Nothing segmented in the push: its requests wait, with no text of theirs in the queue.
    assert _count(pg_hub, RequestTopic) == 0 and _count(pg_hub, TopicQueue) == WORK
    # Hand-known topics of the two descriptions (tests/console/seeding.py files them the same way).
    seen = _this_week(pg_hub)
    assert seen["供水排水"] == 1 and seen["道路路灯"] == 1
    assert _count(pg_hub, TopicQueue) == 0 and _count(pg_hub, RequestTopic) > 0
    p.assert_rollups()  # topic day, word and week rows equal a recount from request_topics


def test_workers_skip_rows_another_holds_and_count_each_request_once(pg_hub: HubDb) -> None:
    p = _pusher(pg_hub, "TQ2")
    p.push(_mixed(p))
    worker = topic_queue.TopicWorker(pg_hub.engine)
    with pg_hub.engine.connect() as holder:
        held = topic_queue._claim(holder, wait=True)  # another worker's batch, not committed yet
        assert len(held) == WORK
        answer: list[int] = []
        runner = threading.Thread(target=lambda: answer.append(worker.run_once()))
        runner.start()
        runner.join(timeout=20)
        assert answer == [0], "the worker waited for rows another transaction holds"
        holder.rollback()
    assert worker.run_once() == WORK and worker.run_once() == 0
    words = _count(pg_hub, RequestTopic)
    # Queued again (a retried push hook, or after `yizhan-hub reindex`): segmented, counted nothing.
    with pg_hub.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO topic_queue (request_id, station_id, day, topic_at) "
                "SELECT request_id, station_id, day, received_at FROM request_stats WHERE station_id = :s"
            ),
            {"s": p.station_id},
        )
    assert worker.run_once() == WORK
    assert _count(pg_hub, RequestTopic) == words
    p.assert_rollups()


def test_a_push_wakes_the_background_worker(pg_hub: HubDb) -> None:
    worker = topic_queue.start_worker(pg_hub.engine)
    assert worker is not None
    try:
        p = _pusher(pg_hub, "TQ3")
        p.push(_mixed(p))
        topic_queue.notify(pg_hub.engine)  # what the push route does once the push committed
        deadline = time.monotonic() + 30
        while _count(pg_hub, TopicQueue) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _count(pg_hub, TopicQueue) == 0 and _count(pg_hub, RequestTopic) > 0
    finally:
        worker.stop()
    p.assert_rollups()


def test_the_sqlite_hub_queues_and_drains_the_same_way(tmp_path: Path) -> None:
    db = hub_db(tmp_path)
    try:
        p = _pusher(db, "TQ4")
        assert all(a.status is ItemStatus.ACCEPTED for a in p.push(_mixed(p)))
        assert _count(db, TopicQueue) == WORK and _count(db, RequestTopic) == 0
        seen = _this_week(db)
        assert seen["供水排水"] == 1 and seen["道路路灯"] == 1
        assert _count(db, TopicQueue) == 0
        p.assert_rollups()
    finally:
        db.engine.dispose()


def test_a_hub_starts_without_loading_jieba(tmp_path: Path) -> None:
    """The app's start-up (lifespan: warm-ups, the topic worker) and a health check leave jieba
    unimported: its dictionary loads with the first queued request, not on every start."""
    db = hub_db(tmp_path)
    db.engine.dispose()
    script = (
        "import sys, time\n"
        "from fastapi.testclient import TestClient\n"
        "from server.core.config import load_settings\n"
        "from server.main import create_app\n"
        f"app = create_app(load_settings({str(db.home)!r}, {db.url!r}))\n"
        "with TestClient(app) as client:\n"
        "    assert client.get('/v1/health').status_code == 200\n"
        "    time.sleep(1.0)  # the warm-up threads run meanwhile\n"
        "    print('jieba' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"
