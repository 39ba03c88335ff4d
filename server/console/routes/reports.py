"""Reports: the weekly and monthly report in one click, as a printable page, Excel or PDF."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from server.api.deps import get_state
from server.api.state import HubState
from server.console import report_page
from server.console.auth import Viewer, ViewerDep, console_settings
from server.console.web import render
from server.core.db import transaction
from server.services import console_audit, period_report
from server.services.spreadsheet import XLSX

router = APIRouter(include_in_schema=False)
StateDep = Annotated[HubState, Depends(get_state)]
KINDS = ("week", "month")


@router.get("/console/reports")
def reports_page(request: Request, viewer: ViewerDep) -> Response:
    viewer.require("stats")
    tz = console_settings(request).tz
    today = datetime.now(UTC).astimezone(tz).date()
    weeks = [period_report.period("week", tz, today - timedelta(weeks=i)) for i in range(0, 8)]
    months, day = [], today
    for _ in range(6):
        months.append(period_report.period("month", tz, day))
        day = months[-1][0] - timedelta(days=1)
    return render(request, viewer, "reports.html", weeks=weeks, months=months)


def _build(
    request: Request, viewer: Viewer, state: HubState, kind: str, what: str
) -> period_report.Report | None:
    if kind not in KINDS:
        return None
    raw = request.query_params.get("at") or ""
    try:
        at = date.fromisoformat(raw) if raw else None
    except ValueError:
        at = None
    with transaction(state.sessions) as session:
        report = period_report.build(session, kind, console_settings(request).tz, at)
        console_audit.record(
            session, viewer.actor, f"report_{what}", f"report:{kind}:{report.start.isoformat()}"
        )
    return report


def _not_found(request: Request, viewer: Viewer) -> Response:
    return render(request, viewer, "error.html", status_code=404, code=404, what="page")


@router.get("/console/reports/{kind}.xlsx")
def report_xlsx(kind: str, request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("stats")
    report = _build(request, viewer, state, kind, "xlsx")
    if report is None:
        return _not_found(request, viewer)
    data = period_report.to_xlsx(report, report_page.service_titles(viewer.lang))
    return _file(data, XLSX, report, "xlsx")


@router.get("/console/reports/{kind}.pdf")
async def report_pdf(kind: str, request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("stats")
    report = await run_in_threadpool(_build, request, viewer, state, kind, "pdf")
    if report is None:
        return _not_found(request, viewer)
    html = report_page.render_html(report, console_settings(request).tz, viewer.lang, embed_css=True)
    try:
        data = await run_in_threadpool(period_report.to_pdf, html)
    except period_report.PdfUnavailable:
        return render(request, viewer, "error.html", status_code=503, code=503, what="pdf")
    return _file(data, "application/pdf", report, "pdf")


def _file(data: bytes, media_type: str, report: period_report.Report, ext: str) -> Response:
    """The report as a download named yizhan-<kind>-<first day>.<ext>."""
    name = f"yizhan-{report.kind}-{report.start.isoformat()}.{ext}"
    return Response(
        data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# Registered last: `{kind}` would otherwise also match "week.xlsx".
@router.get("/console/reports/{kind}")
def report_view(kind: str, request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("stats")
    report = _build(request, viewer, state, kind, "view")
    if report is None:
        return _not_found(request, viewer)
    return HTMLResponse(
        report_page.render_html(report, console_settings(request).tz, viewer.lang, actions=True)
    )
