"""Daily check-in: living-alone residents who have not checked in today, and "visited"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from server.api.deps import get_state
from server.api.state import HubState
from server.console.auth import Forbidden, PostViewerDep, ViewerDep, console_settings
from server.console.web import render, run_then_back
from server.core.db import transaction
from server.db.models import Station
from server.services import console_audit, console_checkins, resident_index
from server.services.resident_index import ResidentRow

router = APIRouter(include_in_schema=False)
StateDep = Annotated[HubState, Depends(get_state)]


def _today(request: Request) -> date:
    return datetime.now(UTC).astimezone(console_settings(request).tz).date()


@router.get("/console/checkins")
def checkins_page(request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("checkins")
    day = _today(request)
    station = request.query_params.get("station") or None
    if station and viewer.scope is not None and station not in viewer.scope:
        raise Forbidden("station")
    everyone = request.query_params.get("all") == "1"
    after = console_checkins.After.parse(request.query_params.get("after"))
    with transaction(state.sessions) as session:
        found = console_checkins.load(
            session, state.keys, viewer.scope, day, station=station, everyone=everyone, after=after
        )
        # Viewing residents' personal details is audited (the page says so): the one write here.
        console_audit.record(
            session,
            viewer.actor,
            "view_checkins",
            f"checkins:{day.isoformat()}",
            station_id=station,
            detail=f"{len(found.rows)} living-alone residents shown",
        )
        stations = dict(session.execute(select(Station.id, Station.name)).all())
    by_station: dict[str, list[ResidentRow]] = {}
    for row in found.rows:
        by_station.setdefault(row.station, []).append(row)
    query = {k: v for k, v in request.query_params.items() if k in ("station", "all") and v}
    return render(
        request,
        viewer,
        "checkins.html",
        day=day,
        by_station=by_station,
        page=found,
        query=query,
        total=found.total,
        missing=found.missing,
        unreadable=found.unreadable,
        everyone=everyone,
        station=station or "",
        stations=sorted(
            ((sid, n) for sid, n in stations.items() if viewer.scope is None or sid in viewer.scope),
            key=lambda x: x[1],
        ),
    )


@router.post("/console/checkins/visit")
async def checkin_visit(request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("checkins")
    form = await request.form()
    station_id, key, note = (
        str(form.get("station", "")),
        str(form.get("resident", "")),
        str(form.get("note", "")),
    )
    if viewer.scope is not None and station_id not in viewer.scope:
        raise Forbidden("station")
    day = _today(request)

    def work() -> None:
        with transaction(state.sessions) as session:
            resident_index.mark_visited(
                session, state.keys, station_id, key, day, viewer.username, note.strip()[:500] or None
            )
            console_audit.record(
                session, viewer.actor, "checkin_visited", f"resident:{key}", station_id=station_id
            )

    return await run_then_back(work, "/console/checkins", "visited")
