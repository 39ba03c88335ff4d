"""Passwords: a staff member changes their own; an admin resets another's. Both are audited, and
both end every open session of that account (a changed password must lock out whoever else had it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from server.api.deps import get_state
from server.api.state import HubState
from server.console.auth import COOKIE, PostViewerDep, ViewerDep
from server.console.web import render
from server.core.db import transaction
from server.db.models import StaffUser
from server.services import console_audit, staff
from server.services.errors import HubError

router = APIRouter(include_in_schema=False)
StateDep = Annotated[HubState, Depends(get_state)]
_MESSAGES = {
    "wrong_password": "当前密码不对",
    "weak_password": "新密码至少 8 位",
    "mismatch": "两次输入的新密码不一样",
    "busy": "登录的人太多，请稍等片刻再试",
}


def _page(
    request: Request,
    viewer: ViewerDep,
    target: StaffUser | None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        viewer,
        "password.html",
        status_code=status_code,
        target=target,
        error=_MESSAGES.get(error or "", "没有改成，请再试一次") if error else None,
    )


@router.get("/console/password")
def own_form(request: Request, viewer: ViewerDep) -> Response:
    return _page(request, viewer, None)


@router.post("/console/password")
async def change_own(request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    form = await request.form()
    old, new = str(form.get("old_password", ""))[:256], str(form.get("new_password", ""))[:256]
    if new != str(form.get("repeat_password", ""))[:256]:
        return _page(request, viewer, None, "mismatch", 422)

    def work() -> None:
        with transaction(state.sessions) as session:
            user = session.get(StaffUser, viewer.user_id)
            if user is None:
                raise HubError(404, "unknown_user", "no such user")
            staff.change_password(session, user, old, new)
            console_audit.record(session, viewer.actor, "password_change", f"user:{user.username}")

    try:
        await run_in_threadpool(work)
    except HubError as exc:
        if exc.code == "wrong_password":
            await run_in_threadpool(_audit_failure, state, viewer)
        return _page(request, viewer, None, exc.code, 403 if exc.code == "wrong_password" else 422)
    response = RedirectResponse("/console/login?flash=password_changed", status_code=303)
    response.delete_cookie(COOKIE, path="/console")  # every session ended; log in with the new one
    return response


def _audit_failure(state: HubState, viewer: ViewerDep) -> None:
    with transaction(state.sessions) as session:
        console_audit.record(session, viewer.actor, "password_change_refused", f"user:{viewer.username}")


@router.get("/console/users/{user_id}/password")
def reset_form(user_id: int, request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("users")
    with transaction(state.sessions) as session:
        target = session.get(StaffUser, user_id)
    if target is None:
        return render(request, viewer, "error.html", status_code=404, code=404, what="user")
    return _page(request, viewer, target)


@router.post("/console/users/{user_id}/password")
async def reset(user_id: int, request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("users")
    form = await request.form()
    new = str(form.get("new_password", ""))[:256]
    with transaction(state.sessions) as session:
        target = session.get(StaffUser, user_id)
    if target is None:
        return render(request, viewer, "error.html", status_code=404, code=404, what="user")
    if new != str(form.get("repeat_password", ""))[:256]:
        return _page(request, viewer, target, "mismatch", 422)

    def work() -> None:
        with transaction(state.sessions) as session:
            user = session.get(StaffUser, user_id)
            if user is None:
                raise HubError(404, "unknown_user", "no such user")
            staff.reset_password(session, user, new)
            console_audit.record(session, viewer.actor, "password_reset", f"user:{user.username}")

    try:
        await run_in_threadpool(work)
    except HubError as exc:
        return _page(request, viewer, target, exc.code, 422)
    if user_id == viewer.user_id:
        return RedirectResponse("/console/login?flash=password_changed", status_code=303)
    return RedirectResponse("/console/users?flash=password_reset", status_code=303)
