"""Login, logout and the language switch.

Logins resist spraying and exhaustion: failures are limited per client address (429 with a kind
page), password hashes run a few at a time (services/staff.py), and unknown names, wrong passwords
and locked accounts get the same answer; the audit keeps only a hash of a name that is no account.

The login form is protected by a double-submit token (a cookie and a hidden field that must
match), since there is no session yet to hold a CSRF token.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from server.api.deps import get_state
from server.api.state import HubState
from server.api.throttle import Throttled, login_throttle
from server.console.auth import COOKIE, LANG_COOKIE, PostViewerDep, client_ip, console_settings, policy
from server.console.web import render
from server.core.db import transaction
from server.services import console_audit, console_sessions, staff
from server.services.console_sessions import LoginResult

router = APIRouter(include_in_schema=False)
LOGIN_CSRF = "yz_login_csrf"
StateDep = Annotated[HubState, Depends(get_state)]


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/queue"


@router.get("/console")
@router.get("/console/")
def home() -> RedirectResponse:
    return RedirectResponse("/console/queue", status_code=303)


def _login_page(request: Request, error: str | None = None, status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        None,
        "login.html",
        status_code=status_code,
        login_csrf=token,
        error=error,
        next=_safe_next(request.query_params.get("next")),
    )
    response.set_cookie(
        LOGIN_CSRF,
        token,
        httponly=True,
        samesite="strict",
        path="/console",
        secure=console_settings(request).secure_cookies,
    )
    return response


@router.get("/console/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


BAD_LOGIN = "用户名或密码不对"  # also for unknown names and locked accounts: nothing to tell apart
TOO_MANY = "这台电脑尝试登录的次数过多，请过一会儿再试，或联系管理员"
BUSY = "登录的人太多，请稍等片刻再试"


@router.post("/console/login")
async def login(request: Request, state: StateDep) -> Response:
    form = await request.form()
    username, password = str(form.get("username", "")).strip()[:64], str(form.get("password", ""))[:256]
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not console_sessions.csrf_ok(expected, str(form.get("csrf_token", ""))):
        return render(request, None, "error.html", status_code=403, code=403, what="csrf")
    settings = console_settings(request)
    ip = client_ip(request)
    throttle = login_throttle(request)
    try:
        await run_in_threadpool(throttle.check)  # a database query: off the event loop
    except Throttled:
        return _login_page(request, TOO_MANY, status_code=429)

    def work() -> tuple[LoginResult, str | None]:
        # One of a few hashing slots first (32 MiB per scrypt), then the transaction: a burst of
        # logins waits here without holding database connections.
        with staff.hashing_slot(), transaction(state.sessions) as session:
            result, user = console_sessions.check_login(session, username, password, policy(settings))
            # An unknown name may be a password typed into the wrong box: store only a hash of it.
            shown = user.username if user else "?"
            target = f"user:{user.username}" if user else f"user:?{_name_hash(username)}"
            action = {LoginResult.BAD: "login_bad_password" if user else "login_unknown_user"}.get(
                result, f"login_{result.value}"
            )
            console_audit.record(
                session, console_audit.Actor(user.id if user else None, shown, ip), action, target
            )
            if result is not LoginResult.OK or user is None:
                return result, None
            return result, console_sessions.open_session(session, user, policy(settings), ip)

    try:
        result, token = await run_in_threadpool(work)
    except staff.HashingBusy:
        return _login_page(request, BUSY, status_code=429)
    if token is None:
        if result is not LoginResult.DISABLED:
            await run_in_threadpool(throttle.failed)
        # Disabled shows only after a correct password; unknown, wrong and locked look the same.
        error = "账号已停用，请联系管理员" if result is LoginResult.DISABLED else BAD_LOGIN
        return _login_page(request, error, status_code=401)
    response = RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303)
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="lax", path="/console", secure=settings.secure_cookies
    )
    response.delete_cookie(LOGIN_CSRF, path="/console")
    return response


def _name_hash(typed: str) -> str:
    return hashlib.sha256(("yizhan-login-name\n" + typed).encode("utf-8", "replace")).hexdigest()[:12]


@router.post("/console/logout")
async def logout(request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    token = request.cookies.get(COOKIE, "")

    def work() -> None:
        with transaction(state.sessions) as session:
            console_sessions.close_session(session, token)

    await run_in_threadpool(work)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


@router.get("/console/lang")
def switch_language(request: Request) -> Response:
    lang = "en" if request.query_params.get("to") == "en" else "zh"
    response = RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/console")
    return response
