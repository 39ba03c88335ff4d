"""Statistics as charts, and each table as CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from server.api.deps import get_state
from server.api.state import HubState
from server.console import catalogue, charts, export
from server.console.auth import Viewer, ViewerDep, console_settings
from server.console.web import render
from server.core.db import transaction
from server.services import console_stats, resident_index

router = APIRouter(include_in_schema=False)
StateDep = Annotated[HubState, Depends(get_state)]
TABLES = ("by_service", "by_station", "response", "categories", "words", "checkins")


def _compute(request: Request, viewer: Viewer, state: HubState) -> tuple[console_stats.Stats, dict, list]:  # type: ignore[type-arg]
    tz = console_settings(request).tz
    now = datetime.now(UTC)
    medians = None
    if viewer.scope is None:  # hub-wide: the background snapshot (console_stats.MEDIANS)
        first, last = console_stats.window(now, tz)

        def take() -> dict[str, console_stats.Timing]:
            with transaction(state.sessions) as session:
                return console_stats.response_times(session, first, last)

        medians = console_stats.MEDIANS.get(first, last, take)
    with transaction(state.sessions) as session:
        stats = console_stats.compute(session, state.keys, tz, scope=viewer.scope, now=now, medians=medians)
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
    categories = [
        (catalogue.option_label("problem_report", "category", c, lang), n) for c, n in stats.categories
    ]
    return render(
        request,
        viewer,
        "stats.html",
        stats=stats,
        weeks=weeks,
        service_chart=charts.stacked_bars(weeks, service_series),
        service_legend=charts.legend(list(service_series)),
        station_chart=charts.stacked_bars(weeks, station_series),
        station_legend=charts.legend(list(station_series)),
        category_chart=charts.hbars(categories),
        word_chart=charts.hbars(stats.words[:15]),
        checkin_chart=charts.heatmap(rates, days),
        rates=rates,
        days=days,
        first_chart=charts.hbars(
            [
                (catalogue.service_title(s, lang) if s != "*" else "全部", v[0])
                for s, v in sorted(stats.response_hours.items())
                if v[0] is not None
            ],
            unit="h",
            digits=1,
        ),
    )


@router.get("/console/stats/{table}.{fmt}")
def stats_export(table: str, fmt: str, request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("stats")
    if table not in TABLES:
        return render(request, viewer, "error.html", status_code=404, code=404, what="page")
    return export.audited_download(
        request,
        viewer,
        state,
        fmt,
        table,
        lambda: _table(table, request, viewer, state),
        audit_target=f"stats:{table}",
    )


def _table(table: str, request: Request, viewer: Viewer, state: HubState) -> export.Table:
    stats, rates, days = _compute(request, viewer, state)
    weeks = [d.isoformat() for d in stats.weeks]
    header: list[str]
    rows: list[list[object]]
    if table in ("by_service", "by_station"):
        header = [table.removeprefix("by_"), *weeks]
        rows = [[name, *values] for name, values in sorted(getattr(stats, table).items())]
    elif table == "response":
        header = ["service", "requests", "median_hours_to_first_response", "median_hours_to_close"]
        rows = [
            [service, n, _num(first), _num(close)]
            for service, (first, close, n) in sorted(stats.response_hours.items())
        ]
    elif table in ("categories", "words"):
        header = ["topic" if table == "words" else "category", "count"]
        rows = [list(r) for r in getattr(stats, table)]
    else:
        header = ["station", *[d.isoformat() for d in days]]
        rows = [
            [name, *[round(values.get(d, 0.0), 3) for d in days]] for name, values in sorted(rates.items())
        ]
    return header, rows


def _num(value: float | None) -> float | str:
    return "" if value is None else round(value, 2)
