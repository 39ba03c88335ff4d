"""Builds the hub's FastAPI app. Stateless: everything lives in the database and the key file,
so any number of uvicorn workers (or machines sharing both) can serve the same hub."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from server import console
from server.api import errors
from server.api.routes import attachments, enrol, health, sync
from server.api.state import HubState
from server.core.config import HubSettings, load_settings
from server.core.db import make_engine, session_factory
from server.core.keys import load_key_file
from sync.protocol import H_HUB_TIME, MAX_PUSH_BYTES, PROTOCOL_VERSION


def create_app(settings: HubSettings) -> FastAPI:
    keys = load_key_file(settings.key_file)
    engine = make_engine(settings.db_url)
    app = FastAPI(
        title="Yizhan hub sync API",
        version=f"{PROTOCOL_VERSION}.0",
        description="Station enrolment, push, pull and attachments. See docs/sync-protocol.md.",
    )
    app.state.hub = HubState(settings=settings, keys=keys, engine=engine, sessions=session_factory(engine))
    errors.install(app)
    for module in (health, enrol, sync, attachments):
        app.include_router(module.router)
    console.install(app)

    @app.middleware("http")
    async def _frame(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_PUSH_BYTES + 64 * 1024:
            # Refuse before reading a single body byte.
            return errors.error_response(
                413, "payload_too_large", f"request body over {MAX_PUSH_BYTES} bytes"
            )
        response = await call_next(request)
        # Lets a station with a drifting clock correct its signing timestamp (see sync/client.py).
        response.headers[H_HUB_TIME] = str(int(time.time()))
        response.headers["Cache-Control"] = "no-store"
        return response

    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` workers: settings come from YIZHAN_HUB_HOME / YIZHAN_HUB_DB."""
    return create_app(load_settings())
