"""What the station's two CSV imports (the resident roster, paper ledgers) share: reading the bytes
as spreadsheets save them, the header, the rows numbered by their line in the file, and the report.

Excel in China saves CSV as GBK; others save UTF-8 with or without a BOM — all are accepted. A file
that cannot be read as a whole raises `CsvFileError` and nothing is imported; a bad row is the
importer's to report with its line number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["CsvFileError", "ImportReport", "decode", "read_csv"]


class CsvFileError(ValueError):
    """The file as a whole cannot be read (encoding, empty, header, CSV framing)."""


@dataclass
class ImportReport:
    """How many rows were imported, and (line, reason) for each that needs attention."""

    imported: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # superset of GBK, as Excel writes it on Chinese Windows
    except UnicodeDecodeError:
        raise CsvFileError("the file is neither UTF-8 nor GBK text; save it again as CSV") from None


def read_csv(data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header row, then each row that is not blank with its line number in the file (where the
    row ends, when a quoted cell spans lines)."""
    rows = _numbered(decode(data))
    first = next(rows, None)
    if first is None:
        raise CsvFileError("the file is empty")
    return first[1], ((line, values) for line, values in rows if any(v.strip() for v in values))


def _numbered(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text))
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a cell over the csv module's size limit: the file is unusable
            raise CsvFileError(f"line {reader.line_num}: cannot be read as CSV ({exc})") from None
        yield reader.line_num, values
