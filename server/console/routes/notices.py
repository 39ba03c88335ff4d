"""Notices: write, preview as the kiosk shows it, publish to every station or chosen ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from server.api.deps import get_state
from server.api.state import HubState
from server.console.auth import PostViewerDep, ViewerDep
from server.console.web import back, render, run_then_back
from server.core.db import transaction
from server.db.models import Notice, Station
from server.services import console_audit, feed

router = APIRouter(include_in_schema=False)
StateDep = Annotated[HubState, Depends(get_state)]


@router.get("/console/notices")
def notices_page(request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("notices")
    with transaction(state.sessions) as session:
        names = dict(session.execute(select(Station.id, Station.name)).all())
        notices = list(session.scalars(select(Notice).order_by(Notice.id.desc()).limit(100)))
        stations = [(sid, name) for sid, name in sorted(names.items(), key=lambda kv: kv[1])]
    return render(request, viewer, "notices.html", notices=notices, names=names, stations=stations)


@router.post("/console/notices")
async def publish(request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("notices")
    form = await request.form()
    title, body = str(form.get("title", "")).strip(), str(form.get("body", "")).strip()
    targets = [str(v) for v in form.getlist("stations")] if form.get("audience") == "some" else []
    if not title or not body or len(title) > 200 or len(body) > 4000:
        return back("/console/notices", "error")
    if form.get("audience") == "some" and not targets:
        return back("/console/notices", "error")

    def work() -> None:
        with transaction(state.sessions) as session:
            chosen: list[str | None] = list(targets) if targets else [None]
            for station in chosen:
                notice = feed.publish_notice(session, state.keys, title, body, station)
                console_audit.record(
                    session,
                    viewer.actor,
                    "notice_publish",
                    f"notice:{notice.id}",
                    station_id=notice.station_id,
                )

    return await run_then_back(work, "/console/notices", "published")
