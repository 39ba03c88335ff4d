"""居民议事 in the console: ask stations a question, watch the results, close, publish, export.

Supervisors and admins create, close and publish (each audited); every staff member may read the
results, which are counts and suggestions — no personal data (docs/security.md, secret ballot).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.api.deps import get_state
from server.api.state import HubState
from server.console import charts
from server.console.auth import PostViewerDep, Viewer, ViewerDep, console_settings
from server.console.web import back, render, run_then_back
from server.core.db import transaction
from server.core.keys import HubKeys
from server.db.models import Station
from server.services import console_audit, consult

router = APIRouter(include_in_schema=False)
StateDep = Annotated[HubState, Depends(get_state)]
BASE = "/console/consultations"


@router.get(BASE)
def consultations_page(request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("consult_results")
    with transaction(state.sessions) as session:
        rows = [
            (row, consult.state_of(row), consult.results(session, state.keys, row).votes)
            for row in consult.list_all(session)
        ]
        stations = sorted(session.execute(select(Station.name).where(Station.revoked_at.is_(None))).scalars())
    return render(request, viewer, "consultations.html", rows=rows, stations=stations)


def _closes_at(raw: str, tz: ZoneInfo) -> datetime | None:
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


@router.post(BASE)
async def create(request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("consult")
    form = await request.form()
    options = tuple(str(v).strip() for v in form.getlist("option") if str(v).strip())
    kind = str(form.get("kind", "vote"))
    draft = consult.Draft(
        title=str(form.get("title", "")),
        body=str(form.get("body", "")),
        options=options if kind == "vote" else (),
        allow_suggestions=kind == "suggestions" or form.get("allow_suggestions") == "on",
        stations=tuple(str(v) for v in form.getlist("stations")) if form.get("audience") == "some" else (),
        closes_at=_closes_at(str(form.get("closes_at", "")), console_settings(request).tz),
    )
    if kind == "vote" and len(options) < 2:
        return back(BASE, "error")
    if form.get("audience") == "some" and not draft.stations:
        return back(BASE, "error")

    def work() -> None:
        with transaction(state.sessions) as session:
            row = consult.create(session, state.keys, draft, viewer.username)
            console_audit.record(session, viewer.actor, "consult_create", f"consultation:{row.id}")

    return await run_then_back(work, BASE, "consult_created")


@router.get(BASE + "/{consultation_id}")
def results_page(consultation_id: str, request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("consult_results")
    with transaction(state.sessions) as session:
        res = consult.results(session, state.keys, consult.get(session, consultation_id))
        status = consult.state_of(res.consultation)
    bars = charts.hbars(
        [(name, res.share(i) * 100) for i, name in enumerate(res.options)], unit=" %", digits=1
    )
    return render(request, viewer, "consultation.html", res=res, status=status, bars=bars)


@router.post(BASE + "/{consultation_id}/close")
async def close(consultation_id: str, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("consult")  # at the route, where the guard test and a reviewer look for it
    return await _change(consultation_id, viewer, state, consult.close, "consult_close", "consult_closed")


@router.post(BASE + "/{consultation_id}/publish")
async def publish(consultation_id: str, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("consult")
    return await _change(
        consultation_id, viewer, state, consult.publish_result, "consult_publish", "consult_published"
    )


async def _change(
    consultation_id: str,
    viewer: Viewer,
    state: HubState,
    step: Callable[[Session, HubKeys, str], object],
    audit_action: str,
    done_flash: str,
) -> Response:
    """Close or publish (the caller has checked the viewer's permission): one audited step on one
    consultation, then back to its page."""

    def work() -> None:
        with transaction(state.sessions) as session:
            step(session, state.keys, consultation_id)
            console_audit.record(session, viewer.actor, audit_action, f"consultation:{consultation_id}")

    return await run_then_back(work, f"{BASE}/{consultation_id}", done_flash)


def _cell(value: object) -> object:
    # A suggestion typed as "=HYPERLINK(…)" must stay text when a clerk opens the file.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@router.get(BASE + "/{consultation_id}/export.xlsx")
def export(consultation_id: str, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("consult_results")
    from openpyxl import Workbook

    with transaction(state.sessions) as session:
        res = consult.results(session, state.keys, consult.get(session, consultation_id))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "结果"
    sheet.append([_cell(res.consultation.title)])
    sheet.append(["选项", "票数", "占比"])
    for i, (name, count) in enumerate(zip(res.options, res.counts, strict=True)):
        sheet.append([_cell(name), count, round(res.share(i), 4)])
    stations = book.create_sheet("各驿站")
    stations.append(["驿站", *[_cell(o) for o in res.options], "参加人数", "登记居民", "参与率", "建议条数"])
    for t in res.stations:
        stations.append(
            [
                _cell(t.station),
                *t.counts,
                t.votes,
                t.residents,
                round(t.turnout, 4) if t.turnout is not None else None,
                t.suggestions,
            ]
        )
    notes = book.create_sheet("建议")
    notes.append(["建议"])
    for text in res.suggestions:
        notes.append([_cell(text)])
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="consultation.xlsx"'},
    )
