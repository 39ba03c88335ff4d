"""Login, logout and the language switch.

The login form is protected by a double-submit token (a cookie and a hidden field that must
match), since there is no session yet to hold a CSRF token.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from server.api.deps import get_state
from server.api.state import HubState
from server.console.auth import COOKIE, LANG_COOKIE, PostViewerDep, client_ip, console_settings, policy
from server.console.web import render
from server.core.db import transaction
from server.services import console_audit, console_sessions
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
        request, None, "login.html", status_code=status_code, login_csrf=token, error=error,
        next=_safe_next(request.query_params.get("next")),
    )
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict", path="/console",
                        secure=console_settings(request).secure_cookies)
    return response


@router.get("/console/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/console/login")
async def login(request: Request, state: StateDep) -> Response:
    form = await request.form()
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not console_sessions.csrf_ok(expected, str(form.get("csrf_token", ""))):
        return render(request, None, "error.html", status_code=403, code=403, what="csrf")
    settings = console_settings(request)
    ip = client_ip(request)

    def work() -> tuple[LoginResult, str | None]:
        with transaction(state.sessions) as session:
            result, user = console_sessions.check_login(session, username[:64], password, policy(settings))
            actor = console_audit.Actor(user.id if user else None, username[:64] or "?", ip)
            console_audit.record(session, actor, f"login_{result.value}", f"user:{username[:64]}")
            if result is not LoginResult.OK or user is None:
                return result, None
            return result, console_sessions.open_session(session, user, policy(settings), ip)

    result, token = await run_in_threadpool(work)
    if token is None:
        messages = {
            LoginResult.LOCKED: "登录失败次数过多，账号已暂时锁定，请稍后再试或联系管理员",
            LoginResult.DISABLED: "账号已停用，请联系管理员",
        }
        error = messages.get(result, "用户名或密码不对")
        return _login_page(request, error, status_code=423 if result is LoginResult.LOCKED else 401)
    response = RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", path="/console",
                        secure=settings.secure_cookies)
    response.delete_cookie(LOGIN_CSRF, path="/console")
    return response


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
