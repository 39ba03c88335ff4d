"""Statistics as charts, and each table as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from server.api.deps import get_state
from server.api.state import HubState
from server.console import catalogue, charts
from server.console.auth import Viewer, ViewerDep, console_settings
from server.console.web import render
from server.core.db import transaction
from server.services import console_audit, console_stats, resident_index

router = APIRouter(include_in_schema=False)
StateDep = Annotated[HubState, Depends(get_state)]
TABLES = ("by_service", "by_station", "response", "categories", "words", "checkins")


def _compute(request: Request, viewer: Viewer, state: HubState) -> tuple[console_stats.Stats, dict, list]:  # type: ignore[type-arg]
    tz = console_settings(request).tz
    now = datetime.now(UTC)
    with transaction(state.sessions) as session:
        stats = console_stats.compute(session, state.keys, tz, scope=viewer.scope, now=now)
        days = console_stats.checkin_days(now, tz)
        rates = resident_index.checkin_rates(session, viewer.scope, days)
    return stats, rates, days


@router.get("/console/stats")
def stats_page(request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("stats")
    stats, rates, days = _compute(request, viewer, state)
    lang = viewer.lang
    weeks = [f"{d:%m/%d}" for d in stats.weeks]
    service_series = {catalogue.service_title(s, lang): v for s, v in sorted(stats.by_service.items())}
    station_series = dict(sorted(stats.by_station.items()))
    categories = [(catalogue.option_label("problem_report", "category", c, lang), n) for c, n in stats.categories]
    return render(
        request, viewer, "stats.html", stats=stats, weeks=weeks,
        service_chart=charts.stacked_bars(weeks, service_series), service_legend=charts.legend(list(service_series)),
        station_chart=charts.stacked_bars(weeks, station_series), station_legend=charts.legend(list(station_series)),
        category_chart=charts.hbars(categories), word_chart=charts.hbars(stats.words[:15]),
        checkin_chart=charts.heatmap(rates, days), rates=rates, days=days,
        first_chart=charts.hbars(
            [(catalogue.service_title(s, lang) if s != "*" else "全部", v[0]) for s, v in
             sorted(stats.response_hours.items()) if v[0] is not None], unit="h", digits=1),
    )


@router.get("/console/stats/{table}.csv")
def stats_csv(table: str, request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("stats")
    if table not in TABLES:
        return Response("unknown table", status_code=404)
    stats, rates, days = _compute(request, viewer, state)
    buf = io.StringIO()
    out = csv.writer(buf)
    weeks = [d.isoformat() for d in stats.weeks]
    if table in ("by_service", "by_station"):
        out.writerow([table.removeprefix("by_"), *weeks])
        for name, values in sorted(getattr(stats, table).items()):
            out.writerow([name, *values])
    elif table == "response":
        out.writerow(["service", "requests", "median_hours_to_first_response", "median_hours_to_close"])
        for service, (first, close, n) in sorted(stats.response_hours.items()):
            out.writerow([service, n, _num(first), _num(close)])
    elif table in ("categories", "words"):
        out.writerow([table.removesuffix("s"), "count"])
        out.writerows(getattr(stats, table))
    else:
        out.writerow(["station", *[d.isoformat() for d in days]])
        for name, values in sorted(rates.items()):
            out.writerow([name, *[f"{values.get(d, 0.0):.3f}" for d in days]])
    with transaction(state.sessions) as session:
        console_audit.record(session, viewer.actor, "export_csv", f"stats:{table}")
    # A BOM so Excel on an office PC opens the Chinese text as UTF-8.
    return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="yizhan-{table}.csv"'})


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"
