"""The staff web console served by the hub under /console (Chinese first, English too).

Server-rendered with Jinja2 and a little JavaScript (static/console.js): work queue, requests,
daily check-ins, notices, appointment slots, stations, statistics, users and the audit trail.
Routes live in routes/ (one module per area), session and role checks in auth.py, rendering in
web.py; the database work is in server/services/console_*.py and resident_index.py.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.api.errors import error_response, validation_response
from server.console.auth import CsrfRefused, Forbidden, LoginRequired
from server.console.errors import error_page
from server.console.settings import ConsoleSettings
from server.services.errors import HubError

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger("yizhan.hub")


def start_warm_up() -> None:
    """Compile the console's templates in the background, off the request path, so the first view
    of a page does not wait for its template. Called once the app starts (server/main.py's
    lifespan). jieba's dictionary (1–3 s of CPU) is not loaded here: pushes no longer segment
    texts, and services/topic_queue.py's worker loads it when the first pushed request waits."""
    from server.console.web import compile_all

    threading.Thread(target=compile_all, name="template-warm-up", daemon=True).start()


def install(app: FastAPI, settings: ConsoleSettings | None = None) -> None:
    from server.console.routes import ROUTERS

    app.state.console = settings or ConsoleSettings.from_env()
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
        return await error_page(request, 403, exc.what)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _exc: CsrfRefused) -> Response:
        return await error_page(request, 403, "csrf")

    # Console pages answer errors as HTML in the viewer's language, with the menu when logged in;
    # the sync API keeps its JSON error model (server/api/errors.py).
    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if not _is_console(request):
            return error_response(exc.status_code, f"http_{exc.status_code}", str(exc.detail))
        return await error_page(request, exc.status_code, "page", headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if not _is_console(request):
            return validation_response(exc)  # the sync API's rule (server/api/errors.py)
        return await error_page(request, 404, "page")

    @app.exception_handler(HubError)
    async def _hub_error(request: Request, exc: HubError) -> Response:
        if not _is_console(request):
            return error_response(exc.status, exc.code, exc.message)
        return await error_page(request, exc.status if 400 <= exc.status < 600 else 400, "page")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)  # never echo internals: the log has them
        if not _is_console(request):
            return error_response(500, "internal_error", "the hub failed to handle this request")
        return await error_page(request, 500, "page")

    # Pure ASGI and a no-op outside /console: the sync API pays nothing for it. Server-Timing
    # is stamped on every response by server/main.py.
    app.add_middleware(_ConsoleHeadersMiddleware)


def _is_console(request: Request) -> bool:
    return request.url.path == "/console" or request.url.path.startswith("/console/")


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
