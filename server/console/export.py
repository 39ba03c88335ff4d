"""Console tables out as CSV or Excel (services/spreadsheet.py neutralises formula injection).

`audited_download` is the one tail every export route shares: an unknown format is the 404 page;
otherwise the table is built, the export is audited as `export_<fmt>`, and the file is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from server.api.state import HubState
from server.console.auth import Viewer
from server.console.web import render
from server.core.db import transaction
from server.services import console_audit
from server.services.spreadsheet import XLSX, csv_bytes, safe_cell, xlsx_bytes

__all__ = ["FORMATS", "audited_download", "download", "safe_cell"]

FORMATS = ("csv", "xlsx")
Table = tuple[Sequence[str], Iterable[Sequence[Any]]]


def download(name: str, fmt: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """`fmt` is "csv" or "xlsx"; `name` becomes yizhan-<name>.<fmt>."""
    if fmt == "xlsx":
        data, media = xlsx_bytes([(name, header, list(rows))]), XLSX
    else:
        data, media = csv_bytes(header, rows), "text/csv; charset=utf-8"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="yizhan-{name}.{fmt}"'}
    )


def audited_download(
    request: Request,
    viewer: Viewer,
    state: HubState,
    fmt: str,
    name: str,
    table: Callable[[], Table],
    *,
    audit_target: str | None = None,
) -> Response:
    """The file yizhan-<name>.<fmt> of `table()` (header, rows), audited on `audit_target` (default
    `name`); the 404 page, before any work, for a format other than CSV or Excel."""
    if fmt not in FORMATS:
        return render(request, viewer, "error.html", status_code=404, code=404, what="page")
    header, rows = table()
    with transaction(state.sessions) as session:
        console_audit.record(session, viewer.actor, f"export_{fmt}", audit_target or name)
    return download(name, fmt, header, rows)
