"""Spreadsheets for the console and reports: CSV and Excel, safe to open on an office PC.

Both formats neutralise formula injection: a text cell that starts with = + - @, a tab or a
carriage return would be run as a formula by Excel/WPS (`=HYPERLINK(...)` from a resident's
description, say), so it gets a leading apostrophe. Numbers stay numbers. The CSV carries a BOM
so Excel opens Chinese text as UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet should store it: text that could be a formula is made plain text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = str(value).encode("utf-8", "replace").decode("utf-8")  # a lone surrogate would fail the file
    return "'" + text if text.startswith(DANGEROUS_START) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow([safe_cell(h) for h in header])
    for row in rows:
        out.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook with one sheet per (title, header, rows); bold header, frozen, sensible widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(_sheet_title(title))
        sheet.append([safe_cell(h) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(str(h)) for h in header]
        for row in rows:
            values = [safe_cell(v) for v in row]
            sheet.append(values)
            for i, v in enumerate(values[: len(widths)]):
                widths[i] = max(widths[i], min(60, len(str(v))))
        for i, w in enumerate(widths):
            sheet.column_dimensions[_column(i)].width = max(8, w * 1.6 + 2)
        sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)
    return cleaned[:31] or "sheet"


def _column(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(i + 1))
