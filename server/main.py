"""Builds the hub's FastAPI app. Stateless: everything lives in the database and the key file,
so any number of uvicorn workers (or machines sharing both) can serve the same hub."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import console
from server.api import errors, warm_up
from server.api.answer_signing import AnswerSigningMiddleware
from server.api.body_limits import BodyLimitMiddleware
from server.api.routes import attachments, enrol, health, sync
from server.api.state import HubState
from server.core.config import ENV_API_DOCS, HubSettings, load_settings
from server.core.db import make_engine, session_factory
from server.core.keys import load_key_file
from server.services import topic_queue
from sync.protocol import H_HUB_TIME, PROTOCOL_VERSION


def create_app(settings: HubSettings) -> FastAPI:
    keys = load_key_file(settings.key_file)
    engine = make_engine(settings.db_url)
    # /docs and /redoc load scripts from a CDN on the console's origin: off unless asked for
    # (`yizhan-hub serve --api-docs`). The schema itself stays at /openapi.json.
    docs = api_docs_enabled()
    app = FastAPI(
        lifespan=_lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        title="Yizhan hub sync API",
        version=f"{PROTOCOL_VERSION}.0",
        description="Station enrolment, push, pull and attachments. See docs/sync-protocol.md.",
    )
    app.state.hub = HubState(settings=settings, keys=keys, engine=engine, sessions=session_factory(engine))
    errors.install(app)
    for module in (health, enrol, sync, attachments):
        app.include_router(module.router)
    console.install(app)

    # Body limits inside the framing, so a 413 still carries the hub's clock and no-store.
    app.add_middleware(BodyLimitMiddleware)
    # Around everything the app does for the request, so Server-Timing covers it all.
    app.add_middleware(_FrameMiddleware)
    # Outermost: every answer to a signed request is signed as sent, 413s and 500s included.
    app.add_middleware(AnswerSigningMiddleware, signer=keys.signer)

    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Background work that start-up need not wait for: the worker serves as soon as it is imported.
    console.start_warm_up()
    warm_up.start(app.state.hub)
    worker = topic_queue.start_worker(app.state.hub.engine)
    try:
        yield
    finally:
        if worker is not None:
            worker.stop()


class _FrameMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware task group and body streams per request — measurable on the
    sync hot path): stamps every response with the hub's clock, no-store and the app's own time
    (`Server-Timing: app;dur=ms`, which bench/hub_load.py and bench/console.py read to tell server
    time from queueing). Body sizes are bounded by server/api/body_limits.py."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_framed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # Lets a station with a drifting clock correct its signing timestamp (sync/client.py).
                headers[H_HUB_TIME] = str(int(time.time()))
                headers["Cache-Control"] = "no-store"
                headers.append("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.1f}")
            await send(message)

        await self.app(scope, receive, send_framed)


def api_docs_enabled() -> bool:
    return os.environ.get(ENV_API_DOCS) == "1"


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` workers: settings come from YIZHAN_HUB_HOME / YIZHAN_HUB_DB."""
    return create_app(load_settings())
