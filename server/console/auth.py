"""Who is looking: the session cookie → a Viewer with a role, CSRF token and station scope.

Roles rank staff < supervisor < admin; PERMISSIONS names the least role for each area, in one
place. Personal data (a resident's identity, photos, the check-in list) needs `personal`.
Auto-refresh polls (header X-Console-Poll) do not count as activity, so an unattended queue
screen still times out. Every state-changing request needs the session's CSRF token, in the
form field `csrf_token` or the header X-CSRF-Token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select

from server.api.deps import get_state
from server.api.state import HubState
from server.console.settings import ConsoleSettings
from server.core.db import transaction
from server.db.console_models import StaffStation
from server.services import console_sessions
from server.services.console_audit import Actor

COOKIE = "yz_session"
LANG_COOKIE = "yz_lang"
ROLE_RANK = {"staff": 1, "supervisor": 2, "admin": 3}
PERMISSIONS = {
    "queue": "staff",
    "act": "staff",
    "stats": "staff",
    "assign": "supervisor",
    "personal": "supervisor",
    "checkins": "supervisor",
    "notices": "supervisor",
    "slots": "supervisor",
    "consult": "supervisor",  # create, close, publish a consultation
    "consult_results": "staff",  # counts and suggestions: no personal data
    "stations": "admin",
    "users": "admin",
    "audit": "admin",
}


class LoginRequired(Exception):
    """No live session: HTML pages redirect to the login form, polls get 401."""


class Forbidden(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class CsrfRefused(Exception):
    pass


@dataclass(frozen=True)
class Viewer:
    user_id: int
    username: str
    role: str
    csrf_token: str
    lang: str
    scope: tuple[str, ...] | None  # station ids (staff); None = every station (supervisor, admin)
    ip: str | None

    def can(self, permission: str) -> bool:
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK[PERMISSIONS[permission]]

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(permission)

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.username, self.ip)

    @property
    def label(self) -> str:
        return f"staff:{self.username}"


def console_settings(request: Request) -> ConsoleSettings:
    settings: ConsoleSettings = request.app.state.console
    return settings


def policy(settings: ConsoleSettings) -> console_sessions.Policy:
    return console_sessions.Policy(
        idle_timeout=settings.idle_timeout,
        max_session=settings.max_session,
        lockout_after=settings.lockout_after,
        lockout_for=settings.lockout_for,
    )


def language(request: Request) -> str:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def current_viewer(request: Request, state: Annotated[HubState, Depends(get_state)]) -> Viewer:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired()
    settings = console_settings(request)
    polling = request.headers.get("x-console-poll") == "1"
    with transaction(state.sessions) as session:
        info = console_sessions.resume(session, token, policy(settings), touch=not polling)
        if info is None:
            raise LoginRequired()
        scope: tuple[str, ...] | None = None
        if info.role == "staff":
            ids = tuple(
                session.scalars(select(StaffStation.station_id).where(StaffStation.user_id == info.user_id))
            )
            scope = ids  # fail closed: a staff member with no stations assigned sees none
    return Viewer(
        info.user_id, info.username, info.role, info.csrf_token, language(request), scope, client_ip(request)
    )


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def posting_viewer(request: Request, viewer: ViewerDep) -> Viewer:
    """The viewer of a state-changing request, after its CSRF token checked out."""
    given = request.headers.get("x-csrf-token")
    if given is None:
        form = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not console_sessions.csrf_ok(viewer.csrf_token, given):
        raise CsrfRefused()
    return viewer


PostViewerDep = Annotated[Viewer, Depends(posting_viewer)]
