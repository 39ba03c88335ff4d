"""Printed receipts: the station name, service, receipt code and time (and a booked appointment's
date and time) — no name or ID number, so the paper (or the PDF) carries nothing personal.

Printing goes through Qt's print support to the system's default printer (CUPS on Linux). The kiosk
says "回执已打印" only when a printer took the job; with no printer (or a refused job) the receipt is
saved as a PDF in the station's receipts folder and the screen says so."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter


@dataclass(frozen=True)
class PrintResult:
    printed: bool  # a printer accepted the job
    where: str  # the printer's name, or the saved PDF's path


def receipt_lines(
    station_name: str, service_title: str, code: str, when: dt.datetime, note: str, booked: str = ""
) -> list[tuple[str, int]]:
    lines = [(station_name, 16), (service_title, 14), (code, 40)]
    if booked:
        lines.append((booked, 14))  # the appointment itself, bigger than the time of printing
    return [*lines, (when.strftime("%Y-%m-%d %H:%M"), 12), (note, 11)]


def _paint(painter: QPainter, width: float, lines: list[tuple[str, int]], family: str) -> None:
    y = 0.0
    for text, size in lines:
        font = QFont(family)
        font.setPointSize(size)
        font.setBold(size >= 14)
        painter.setFont(font)
        height = painter.fontMetrics().height() * 1.6 * (1 + text.count("\n"))
        painter.drawText(
            QRectF(0, y, width, height), int(Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap), text
        )
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


def print_receipt(folder: Path, code: str, lines: list[tuple[str, int]], family: str) -> PrintResult:
    """Print on the default printer if there is one and it takes the job; otherwise write a PDF."""
    try:
        from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

        info = QPrinterInfo.defaultPrinter()
        if not info.isNull():
            printer = QPrinter(info)
            printer.setDocName(f"receipt {code}")
            painter = QPainter()
            if painter.begin(printer):
                try:
                    _paint(painter, printer.width(), lines, family)
                finally:
                    ended = painter.end()
                if ended and printer.printerState() != QPrinter.PrinterState.Error:
                    return PrintResult(True, info.printerName())
    except ImportError:
        pass
    return PrintResult(False, str(print_pdf(folder / f"{code}.pdf", lines, family)))
