"""独居老人预警: who needs a call or a visit, the visit outcome, the phone number on request
(audited, `personal` permission), the per-station threshold, and the list sent to the station."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.api.deps import get_state
from server.api.state import HubState
from server.console import export
from server.console.auth import Forbidden, PostViewerDep, Viewer, ViewerDep, console_settings
from server.console.routes.queue import deadlines
from server.console.web import back, render, run_then_back
from server.core.db import transaction
from server.db.models import Station
from server.services import console_audit, console_warnings
from server.services.console_queue import open_help_calls
from server.services.errors import HubError

router = APIRouter(include_in_schema=False)
StateDep = Annotated[HubState, Depends(get_state)]
URL = "/console/warnings"


def _check_station(viewer: Viewer, station_id: str) -> None:
    if viewer.scope is not None and station_id not in viewer.scope:
        raise Forbidden("station")


def _start(request: Request) -> int:
    """Where the page starts in the list (the "next" link's `start`); anything odd is the top."""
    start = request.query_params.get("start", "")
    return int(start) if start.isdigit() and len(start) < 7 else 0


def _list(
    request: Request,
    viewer: Viewer,
    session: Session,
    station: str,
    *,
    page: bool,
    limits: dict[str, int] | None = None,
    names: dict[str, str] | None = None,
) -> tuple[list[console_warnings.Warning], int]:
    """The warnings (a page of them, or the export's all) — and the audit entry for their viewing:
    names of residents at risk are personal data (the one write a view makes)."""
    rows, total = console_warnings.load(
        session,
        get_state(request).keys,
        viewer.scope,
        console_settings(request).tz,
        station=station or None,
        offset=_start(request) if page else 0,
        limit=console_warnings.PAGE_SIZE if page else console_warnings.MAX_ROWS,
        limits=limits,
        names=names,
    )
    console_audit.record(
        session,
        viewer.actor,
        "view_warnings",
        "warnings",
        station_id=station or None,
        detail=f"{len(rows)} shown",
    )
    return rows, total


def _station(request: Request, viewer: Viewer) -> str:
    station = request.query_params.get("station") or ""
    if station:
        _check_station(viewer, station)
    return station


def _load(
    request: Request, viewer: Viewer, state: HubState
) -> tuple[list[console_warnings.Warning], int, str]:
    station = _station(request, viewer)
    with transaction(state.sessions) as session:
        rows, total = _list(request, viewer, session, station, page=False)
    return rows, total, station


@router.get("/console/warnings")
def warnings_page(request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("queue")
    station = _station(request, viewer)
    start = _start(request)
    reveal = request.query_params.get("phone") or ""
    phone: tuple[str, str, str] | None = None
    if reveal and ":" in reveal:
        viewer.require("personal")
        sid, key = reveal.split(":", 1)
        _check_station(viewer, sid)
        with transaction(state.sessions) as session:
            number = console_warnings.phone_of(session, state.keys, sid, key)
            console_audit.record(
                session,
                viewer.actor,
                "view_phone",
                f"resident:{key}",
                station_id=sid,
                detail="living-alone warning",
            )
        phone = (sid, key, number)
    with transaction(state.sessions) as session:  # one transaction for the whole page
        query = select(Station.id, Station.name).order_by(Station.name)
        if viewer.scope is not None:
            query = query.where(Station.id.in_(viewer.scope))
        stations = [(sid, name) for sid, name in session.execute(query).all()]
        names = dict(stations)  # the viewer's stations: the only ones their warnings and calls name
        limits = console_warnings.thresholds(session)
        rows, total = _list(request, viewer, session, station, page=True, limits=limits, names=names)
        calls = open_help_calls(session, viewer.scope, deadlines(request), datetime.now(UTC), names)
    return render(
        request,
        viewer,
        "warnings.html",
        rows=rows,
        total=total,
        start=start,
        page_size=console_warnings.PAGE_SIZE,
        station=station,
        stations=stations,
        phone=phone,
        calls=calls,
        limits=limits,
        default_days=console_warnings.DEFAULT_DAYS,
        outcomes=console_warnings.OUTCOMES,
        levels=console_warnings.LEVELS,
    )


@router.get("/console/warnings.{fmt}")
def warnings_export(fmt: str, request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("queue")

    def table() -> export.Table:
        rows, _total, _station = _load(request, viewer, state)
        header = [
            "station",
            "name",
            "days_missed",
            "level",
            "unwell",
            "last_checkin",
            "outcome",
            "outcome_by",
        ]
        return header, [
            (
                w.station,
                w.name,
                w.days_missed,
                w.level,
                w.unwell,
                w.last_checkin_at.isoformat() if w.last_checkin_at else "",
                w.outcome or "",
                w.outcome_by or "",
            )
            for w in rows
        ]

    return export.audited_download(request, viewer, state, fmt, "warnings", table)


@router.post("/console/warnings/outcome")
async def warning_outcome(request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("queue")
    form = await request.form()
    station_id, key = str(form.get("station", "")), str(form.get("resident", ""))
    outcome, note = str(form.get("outcome", "")), str(form.get("note", "")).strip()[:500] or None
    _check_station(viewer, station_id)
    day = datetime.now(UTC).astimezone(console_settings(request).tz).date()

    def work() -> None:
        with transaction(state.sessions) as session:
            console_warnings.record_outcome(
                session, state.keys, station_id, key, outcome, note, viewer.username, day
            )
            console_audit.record(
                session,
                viewer.actor,
                "warning_outcome",
                f"resident:{key}",
                station_id=station_id,
                detail=outcome,
            )

    return await run_then_back(work, URL, "visited")


@router.post("/console/warnings/threshold")
async def warning_threshold(request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("checkins")
    form = await request.form()
    station_id, days = str(form.get("station", "")), str(form.get("days", ""))
    if not days.isdigit() or len(days) > 2:
        return back(URL, "error")

    def work() -> None:
        with transaction(state.sessions) as session:
            console_warnings.set_threshold(session, station_id, int(days))
            console_audit.record(
                session,
                viewer.actor,
                "warning_threshold",
                f"station:{station_id}",
                station_id=station_id,
                detail=days,
            )

    return await run_then_back(work, URL, "saved")


@router.post("/console/warnings/push")
async def warning_push(request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    """Send one station's list to its volunteers (a `warnings` change in the station's feed)."""
    viewer.require("checkins")
    form = await request.form()
    station_id = str(form.get("station", ""))
    tz = console_settings(request).tz

    def work() -> None:
        with transaction(state.sessions) as session:
            rows, _total = console_warnings.load(session, state.keys, None, tz, station=station_id)
            if session.get(Station, station_id) is None:
                raise HubError(404, "unknown_station", "no such station")
            console_warnings.push_to_station(session, state.keys, station_id, rows, tz)
            console_audit.record(
                session,
                viewer.actor,
                "warning_push",
                f"station:{station_id}",
                station_id=station_id,
                detail=f"{len(rows)} residents",
            )

    return await run_then_back(work, URL, "pushed")
