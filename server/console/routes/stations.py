"""Stations: enrolment codes, last contact, queue health, revocation (admin only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from server.api.deps import get_state
from server.api.state import HubState
from server.console.auth import PostViewerDep, Viewer, ViewerDep, console_settings
from server.console.routes.queue import deadlines
from server.console.web import back, render, run_then_back
from server.core.db import transaction
from server.services import console_audit, stations
from server.services.console_stations import list_stations
from server.services.errors import HubError

router = APIRouter(include_in_schema=False)
StateDep = Annotated[HubState, Depends(get_state)]


def _page(request: Request, viewer: Viewer, state: HubState, extra: dict[str, str] | None = None) -> Response:
    with transaction(state.sessions) as session:
        rows = list_stations(session, deadlines(request))
    context: dict[str, Any] = {"rows": rows, **(extra or {})}
    return render(request, viewer, "stations.html", **context)


CODE_COOKIE = "yz_new_code"  # the code just made, for the one GET that shows it (post-redirect-get)


@router.get("/console/stations")
def stations_page(request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("stations")
    shown = request.cookies.get(CODE_COOKIE, "")
    extra = {}
    if "|" in shown:
        code, _sep, station = shown.partition("|")
        extra = {"new_code": code, "new_code_station": unquote(station)}
    response = _page(request, viewer, state, extra)
    if shown:  # shown once: a refresh does not show it again, nor make another
        response.delete_cookie(CODE_COOKIE, path="/console/stations")
    return response


@router.post("/console/stations/code")
async def enrolment_code(request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("stations")
    form = await request.form()
    name = str(form.get("name", "")).strip()
    days = str(form.get("days", "7"))

    def work() -> str:
        with transaction(state.sessions) as session:
            code = stations.create_enrolment_code(
                session, name, timedelta(days=int(days) if days.isdigit() else 7)
            )
            console_audit.record(session, viewer.actor, "enrolment_code", f"station:{name}")
            return code

    try:
        code = await run_in_threadpool(work)
    except HubError as exc:
        return _page(request, viewer, state, {"code_error": exc.message})
    # Post-redirect-get: the code travels to the next GET in a short-lived cookie for this page only
    # (never in the URL, where logs and history would keep it).
    response = back("/console/stations", "code")
    response.set_cookie(
        CODE_COOKIE,
        f"{code}|{quote(name)}",
        max_age=120,
        httponly=True,
        samesite="strict",
        path="/console/stations",
        secure=console_settings(request).secure_cookies,
    )
    return response


@router.post("/console/stations/{station_id}/revoke")
async def revoke(station_id: str, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("stations")

    def work() -> None:
        with transaction(state.sessions) as session:
            station = stations.revoke(session, station_id)
            console_audit.record(
                session, viewer.actor, "station_revoke", f"station:{station.name}", station_id=station.id
            )

    return await run_then_back(work, "/console/stations", "revoked")
