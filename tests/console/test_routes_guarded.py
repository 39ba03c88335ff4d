"""Every state-changing console route, found by walking the app's routes (so a route added later is
covered without editing this file), refuses a POST without the session's CSRF token and checks the
viewer's role before doing anything."""

from __future__ import annotations

import inspect
import re

import pytest
import requests
from fastapi.routing import APIRoute

from server.console.auth import PERMISSIONS, ROLE_RANK, posting_viewer
from server.console.routes import ROUTERS
from tests.console.conftest import ConsoleHub, csrf_of, login_session

# Routes that change state without a role check, and why.
NO_ROLE_NEEDED = {
    "/console/login": "no session yet: its own double-submit token (tests/console/test_security.py)",
    "/console/logout": "any logged-in viewer may end their own session",
    "/console/password": "any logged-in viewer may change their own password (the current one is checked)",
}


def post_routes() -> list[APIRoute]:
    routes = [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]
    found = [r for r in routes if {"POST", "PUT", "PATCH", "DELETE"} & (r.methods or set())]
    assert len(found) >= 12, "the walk found too few console POST routes: is ROUTERS complete?"
    return found


def concrete(path: str) -> str:
    # Path parameters get a value of the right shape; the checks must refuse before it matters.
    return re.sub(
        r"\{(\w+)\}",
        lambda m: (
            "1"
            if m.group(1).endswith("_id") and "request" not in m.group(1)
            else "00000000-0000-0000-0000-000000000000"
        ),
        path,
    )


def required_permission(route: APIRoute) -> str | None:
    found = re.findall(r'viewer\.require\("(\w+)"\)', inspect.getsource(route.endpoint))
    return found[0] if found else None


def _uses_posting_viewer(route: APIRoute) -> bool:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if dep.call is posting_viewer:
            return True
        stack.extend(dep.dependencies)
    return False


@pytest.fixture(scope="module")
def logged_in(hub: ConsoleHub) -> dict[str, tuple[requests.Session, str]]:
    """One login per role for the whole module (a password hash is deliberately slow)."""
    out = {}
    for user in ("guanli", "zhuguan", "xiaowang"):
        http = login_session(hub, user)
        out[user] = (http, csrf_of(http, hub.url + "/console/queue"))
    return out


# The login form has no session yet; its own double-submit token is tested in test_security.py.
@pytest.mark.parametrize(
    "route", [r for r in post_routes() if r.path != "/console/login"], ids=lambda r: r.path
)
def test_post_route_checks_csrf_and_role(
    route: APIRoute, hub: ConsoleHub, logged_in: dict[str, tuple[requests.Session, str]]
) -> None:
    assert _uses_posting_viewer(route), f"{route.path} does not take PostViewerDep (login + CSRF)"
    url = hub.url + concrete(route.path)
    admin = logged_in["guanli"][0]
    for bad in ({}, {"csrf_token": "forged-token"}):
        answer = admin.post(url, data={**bad, "station": "x"}, allow_redirects=False, timeout=30)
        assert answer.status_code == 403 and "请求已被拒绝" in answer.text, (route.path, answer.status_code)
    permission = required_permission(route)
    if route.path in NO_ROLE_NEEDED:
        assert permission is None
        return
    assert permission in PERMISSIONS, f"{route.path} never calls viewer.require(...)"
    least = PERMISSIONS[permission]
    below = [role for role, rank in ROLE_RANK.items() if rank < ROLE_RANK[least]]
    if not below:
        return  # staff may do it; CSRF above is the guard
    user = {"staff": "xiaowang", "supervisor": "zhuguan"}[below[-1]]
    http, token = logged_in[user]
    answer = http.post(url, data={"csrf_token": token}, allow_redirects=False, timeout=30)
    assert answer.status_code == 403 and "没有权限" in answer.text, (route.path, user, answer.status_code)
