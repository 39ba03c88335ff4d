"""The staff web console served by the hub under /console (Chinese first, English too).

Server-rendered with Jinja2 and a little JavaScript (static/console.js): work queue, requests,
daily check-ins, notices, appointment slots, stations, statistics, users and the audit trail.
Routes live in routes/ (one module per area), session and role checks in auth.py, rendering in
web.py; the database work is in server/services/console_*.py and resident_index.py.
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.console.auth import CsrfRefused, Forbidden, LoginRequired
from server.console.settings import ConsoleSettings
from server.services import topics

STATIC_DIR = Path(__file__).parent / "static"


def install(app: FastAPI, settings: ConsoleSettings | None = None) -> None:
    from server.console.routes import ROUTERS
    from server.console.web import render

    app.state.console = settings or ConsoleSettings.from_env()
    # jieba loads its dictionary in a second or two; do it now, off the request path, so the first
    # push (which segments descriptions into topics) does not wait for it.
    threading.Thread(target=topics.warm_up, name="jieba-warm-up", daemon=True).start()
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=str(STATIC_DIR)), name="console-static")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        if request.headers.get("x-console-poll") == "1" or request.method != "GET":
            return JSONResponse({"error": "login_required"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/console/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, None, "error.html", status_code=403, code=403, what=exc.what)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _exc: CsrfRefused) -> Response:
        return render(request, None, "error.html", status_code=403, code=403, what="csrf")

    # Pure ASGI and a no-op outside /console: the sync API pays nothing for it. Server-Timing
    # is stamped on every response by server/main.py.
    app.add_middleware(_ConsoleHeadersMiddleware)


class _ConsoleHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/console"):
            await self.app(scope, receive, send)
            return
        from server.console.web import security_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                security_headers(MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_with_headers)
