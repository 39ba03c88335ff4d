"""高频议题: topics of the last 7 days per station, their trend, new or surging issues, and links
from each topic to its requests. Counting only: the words were found when the requests arrived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from server.api.deps import get_state
from server.api.state import HubState
from server.console import charts, export
from server.console.auth import Forbidden, Viewer, ViewerDep
from server.console.web import render
from server.core.db import transaction
from server.db.models import Station
from server.services import topics

router = APIRouter(include_in_schema=False)
StateDep = Annotated[HubState, Depends(get_state)]


def _analyse(
    request: Request, viewer: Viewer, state: HubState
) -> tuple[list[topics.TopicStat], list[tuple[str, str]], str]:
    station = request.query_params.get("station") or ""
    if station and viewer.scope is not None and station not in viewer.scope:
        raise Forbidden("station")
    chosen = [station] if station else (list(viewer.scope) if viewer.scope is not None else None)
    with transaction(state.sessions) as session:
        stats = topics.analyse(session, stations=chosen)
        query = select(Station.id, Station.name).order_by(Station.name)
        if viewer.scope is not None:
            query = query.where(Station.id.in_(viewer.scope))
        stations = [(sid, name) for sid, name in session.execute(query).all()]
    return stats, stations, station


@router.get("/console/topics")
def topics_page(request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("stats")
    stats, stations, station = _analyse(request, viewer, state)
    grouped = [t for t in stats if not t.ungrouped]
    ungrouped = [t for t in stats if t.ungrouped and t.count >= 2][:30]
    now = datetime.now(UTC)
    weeks = [
        (now - timedelta(days=7 * (topics.BASELINE_WINDOWS - i))) for i in range(topics.BASELINE_WINDOWS + 1)
    ]
    return render(
        request,
        viewer,
        "topics.html",
        grouped=grouped,
        ungrouped=ungrouped,
        stations=stations,
        station=station,
        surging=[t for t in grouped if t.surge],
        chart=charts.hbars([(t.label, t.count) for t in grouped[:12]]),
        weeks=weeks,
        p_limit=topics.SURGE_P,
        min_count=topics.SURGE_MIN,
    )


@router.get("/console/topics.{fmt}")
def topics_export(fmt: str, request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("stats")

    def table() -> export.Table:
        stats, _stations, _station = _analyse(request, viewer, state)
        header = ["topic", "count", "baseline_mean", "trend", "p_value", "surge", "words"]
        return header, [
            (t.label, t.count, round(t.baseline, 2), t.trend, round(t.p_value, 4), t.surge, " ".join(t.words))
            for t in stats
        ]

    return export.audited_download(request, viewer, state, fmt, "topics", table)
