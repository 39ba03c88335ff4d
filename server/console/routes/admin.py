"""Admin: staff accounts (role, stations, unlock, disable) and the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import delete, select

from server.api.deps import get_state
from server.api.state import HubState
from server.console import audit_words
from server.console.auth import ROLE_RANK, PostViewerDep, ViewerDep
from server.console.web import render, run_then_back
from server.core.db import transaction
from server.db.console_models import ConsoleSession, StaffStation
from server.db.models import StaffUser, Station
from server.services import console_audit, staff
from server.services.errors import HubError

router = APIRouter(include_in_schema=False)
AUDIT_PAGE = 50  # entries per audit page; "older" continues below the last one
StateDep = Annotated[HubState, Depends(get_state)]


@router.get("/console/users")
def users_page(request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("users")
    with transaction(state.sessions) as session:
        users = list(session.scalars(select(StaffUser).order_by(StaffUser.username)))
        stations = [(s.id, s.name) for s in session.scalars(select(Station).order_by(Station.name))]
        scopes: dict[int, set[str]] = {}
        for uid, sid in session.execute(select(StaffStation.user_id, StaffStation.station_id)).all():
            scopes.setdefault(uid, set()).add(sid)
    return render(
        request, viewer, "users.html", users=users, stations=stations, scopes=scopes, roles=list(ROLE_RANK)
    )


@router.post("/console/users")
async def add_user(request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("users")
    form = await request.form()

    def work() -> None:
        with transaction(state.sessions) as session:
            user = staff.add_user(
                session,
                str(form.get("username", "")).strip()[:64],
                str(form.get("role", "")),
                str(form.get("password", "")),
            )
            console_audit.record(session, viewer.actor, "user_add", f"user:{user.username}", detail=user.role)

    return await run_then_back(work, "/console/users", "user")


@router.post("/console/users/{user_id}")
async def update_user(user_id: int, request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("users")
    form = await request.form()
    role = str(form.get("role", ""))
    chosen = {str(v) for v in form.getlist("stations")}

    def work() -> None:
        with transaction(state.sessions) as session:
            user = session.get(StaffUser, user_id)
            if user is None or role not in ROLE_RANK:
                raise HubError(422, "bad_user", "unknown user or role")
            user.role = role
            user.disabled = form.get("disabled") == "1" and user.id != viewer.user_id
            if form.get("unlock") == "1":
                user.locked_until, user.failed_logins = None, 0
            if user.disabled:  # a disabled account loses its open sessions at once
                session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
            session.execute(delete(StaffStation).where(StaffStation.user_id == user.id))
            for sid in chosen:
                session.add(StaffStation(user_id=user.id, station_id=sid))
            console_audit.record(
                session,
                viewer.actor,
                "user_update",
                f"user:{user.username}",
                detail=f"role={role} disabled={user.disabled} stations={len(chosen)}",
            )

    return await run_then_back(work, "/console/users", "user")


@router.get("/console/audit")
def audit_page(request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("audit")
    who = request.query_params.get("user") or None
    before = request.query_params.get("before", "")
    with transaction(state.sessions) as session:
        entries = console_audit.recent(
            session,
            limit=AUDIT_PAGE + 1,
            username=who,
            before=int(before) if before.isdigit() and len(before) < 19 else None,
        )
        names = dict(session.execute(select(Station.id, Station.name)).all())
        lines = audit_words.describe(session, entries[:AUDIT_PAGE])
    return render(
        request,
        viewer,
        "audit.html",
        lines=lines,
        names=names,
        who=who or "",
        paged=bool(before),
        older=entries[AUDIT_PAGE - 1].id if len(entries) > AUDIT_PAGE else None,
    )
