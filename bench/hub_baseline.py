"""The same-run baseline for bench/hub_load.py: a bare FastAPI app that verifies nothing.

`POST /v1/push` stores the request body's bytes with one psycopg INSERT and acknowledges every item
(it reads the ids with json.loads — no signature, no schema, no unsealing); `GET /v1/pull` runs one
SELECT and answers an empty page. Served by uvicorn with the same worker count as the hub:

    YIZHAN_BASELINE_DSN=… python -m uvicorn hub_baseline:app --app-dir bench --workers N
"""

from __future__ import annotations

import json
import os
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

TABLE = "bench_baseline_push"  # created by bench/hub_load.py
POOL_SIZE = 4
app = FastAPI()
_pool: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue()
_opened = 0
_opening = threading.Lock()


@contextmanager
def connection() -> Iterator[psycopg.Connection]:
    """A small per-process pool (like the hub's): reuse a connection, open one while below the size."""
    global _opened
    try:
        conn = _pool.get_nowait()
    except queue.Empty:
        with _opening:
            room = _opened < POOL_SIZE
            _opened += room
        if room:
            conn = psycopg.connect(os.environ["YIZHAN_BASELINE_DSN"], autocommit=True)
        else:
            conn = _pool.get(timeout=30)
    try:
        yield conn
    finally:
        _pool.put(conn)


def _insert(body: bytes) -> None:
    with connection() as conn:
        conn.execute(f"INSERT INTO {TABLE} (body) VALUES (%s)", (body,))


def _select() -> None:
    with connection() as conn:
        conn.execute(f"SELECT id FROM {TABLE} ORDER BY id DESC LIMIT 1").fetchall()


@app.get("/v1/health")
def health() -> dict[str, object]:
    return {"status": "ok"}


@app.post("/v1/push")
async def push(request: Request) -> Response:
    body = await request.body()
    ids = [item["id"] for item in json.loads(body)["items"]]
    await run_in_threadpool(_insert, body)
    answer = {"protocol": 1, "results": [{"id": i, "status": "accepted"} for i in ids]}
    return Response(json.dumps(answer), media_type="application/json")


@app.get("/v1/pull")
async def pull(cursor: int = 0) -> Response:
    await run_in_threadpool(_select)
    answer = {"protocol": 1, "changes": [], "next_cursor": cursor, "has_more": False}
    return Response(json.dumps(answer), media_type="application/json")
