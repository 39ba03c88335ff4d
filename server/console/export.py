"""Console tables out as CSV or Excel (services/spreadsheet.py neutralises formula injection)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fastapi.responses import Response

from server.services.spreadsheet import XLSX, csv_bytes, safe_cell, xlsx_bytes

__all__ = ["download", "safe_cell"]


def download(name: str, fmt: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """`fmt` is "csv" or "xlsx"; `name` becomes yizhan-<name>.<fmt>."""
    if fmt == "xlsx":
        data, media = xlsx_bytes([(name, header, list(rows))]), XLSX
    else:
        data, media = csv_bytes(header, rows), "text/csv; charset=utf-8"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="yizhan-{name}.{fmt}"'}
    )
