"""Error pages for the console: HTML in the viewer's language (never JSON), with the menu when the
viewer is logged in, so a clerk who hits 403/404/405 can carry on from the same page."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from server.api.deps import get_state
from server.console.auth import LoginRequired, Viewer, current_viewer


def _viewer(request: Request) -> Viewer | None:
    try:
        return current_viewer(request, get_state(request))
    except (LoginRequired, AttributeError):
        return None
    except Exception:  # an error page must render even when the session lookup itself fails  # noqa: BLE001
        return None


async def error_page(
    request: Request, code: int, what: str, headers: Mapping[str, str] | None = None
) -> HTMLResponse:
    from server.console.web import render

    viewer = await run_in_threadpool(_viewer, request)
    response = render(request, viewer, "error.html", status_code=code, code=code, what=what)
    for name, value in (headers or {}).items():
        if name.lower() == "allow":  # a 405 says which methods the address takes
            response.headers[name] = value
    return response
