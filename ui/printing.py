"""Printed receipts: the station name, service, receipt code and time — no name or ID number, so the
paper (or the PDF) carries nothing personal. A real printer when one is set up, otherwise a PDF in
the station's receipts folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter


def receipt_lines(station_name: str, service_title: str, code: str, when: dt.datetime, note: str) -> list[tuple[str, int]]:
    return [(station_name, 16), (service_title, 14), (code, 40), (when.strftime("%Y-%m-%d %H:%M"), 12), (note, 11)]


def _paint(painter: QPainter, width: float, lines: list[tuple[str, int]], family: str) -> None:
    y = 0.0
    for text, size in lines:
        font = QFont(family)
        font.setPointSize(size)
        font.setBold(size >= 14)
        painter.setFont(font)
        height = painter.fontMetrics().height() * 1.6 * (1 + text.count("\n"))
        painter.drawText(QRectF(0, y, width, height), int(Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap), text)
        y += height


def print_pdf(path: Path, lines: list[tuple[str, int]], family: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A6))
    writer.setPageMargins(QMarginsF(8, 8, 8, 8), QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    painter = QPainter(writer)
    try:
        _paint(painter, writer.width(), lines, family)
    finally:
        painter.end()
    return path


def print_receipt(folder: Path, code: str, lines: list[tuple[str, int]], family: str) -> str:
    """Print on the default printer if there is one; otherwise write a PDF. Returns where it went."""
    try:
        from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

        info = QPrinterInfo.defaultPrinter()
        if not info.isNull():
            printer = QPrinter(info)
            painter = QPainter(printer)
            try:
                _paint(painter, printer.width(), lines, family)
            finally:
                painter.end()
            return info.printerName()
    except ImportError:
        pass
    return str(print_pdf(folder / f"{code}.pdf", lines, family))
