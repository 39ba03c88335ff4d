"""The work queue: filters, pagination, open help calls on top; `/live` is the auto-refresh part."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from server.api.deps import get_state
from server.api.state import HubState
from server.console import catalogue
from server.console.auth import Viewer, ViewerDep, console_settings
from server.console.web import render
from server.core.db import transaction
from server.services.console_queue import AGES, Cursor, Deadlines, QueueFilter, load_queue

router = APIRouter(include_in_schema=False)
StateDep = Annotated[HubState, Depends(get_state)]
STATUSES = ("open", "new", "received", "in_progress", "done", "rejected", "closed", "all")


def deadlines(request: Request) -> Deadlines:
    settings = console_settings(request)
    return Deadlines(settings.overdue_after, settings.help_overdue_after)


def parse_filter(request: Request, viewer: Viewer) -> QueueFilter:
    q = request.query_params
    return QueueFilter(
        station=q.get("station") or None,
        service=q.get("service") or None,
        status=q.get("status") or "open" if q.get("status") in STATUSES else "open",
        age=q.get("age") if q.get("age") in AGES else None,
        overdue=q.get("overdue") == "1",
        after=Cursor.parse(q.get("after")),
        topic=(q.get("topic") or "")[:32] or None,
        scope=viewer.scope,
    )


def _load(request: Request, viewer: Viewer, state: HubState) -> dict[str, Any]:
    """What the full page and its refreshing part both show: the filter, one page of rows, the query."""
    viewer.require("queue")
    flt = parse_filter(request, viewer)
    with transaction(state.sessions) as session:
        page = load_queue(session, flt, deadlines(request))
    query = {k: v for k, v in request.query_params.items() if k not in ("after", "page", "flash")}
    return {"page": page, "flt": flt, "query": query}


@router.get("/console/queue")
def queue_page(request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    shown = _load(request, viewer, state)
    names = shown["page"].stations  # read with the rows: no second transaction for the filter
    return render(
        request,
        viewer,
        "queue.html",
        **shown,
        stations=sorted(
            ((sid, name) for sid, name in names.items() if viewer.scope is None or sid in viewer.scope),
            key=lambda s: s[1],
        ),
        services=sorted(catalogue.services()),
        statuses=STATUSES,
        ages=list(AGES),
        refresh=console_settings(request).refresh_seconds,
    )


@router.get("/console/queue/live")
def queue_live(request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    """The refreshing part of the queue page (help calls + one page of rows) as an HTML fragment."""
    return render(request, viewer, "_queue_live.html", **_load(request, viewer, state))
