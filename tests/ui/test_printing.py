"""Receipts that are true: an appointment's receipt shows the booked date and time (on screen and on
paper), and "回执已打印" appears only when a printer took the job — printed through Qt's print
support to a real CUPS queue (cupsd started here, with the CUPS-PDF printer as the default), and
with no printer the kiosk says so and names the saved PDF."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import ALONE_ID, Kiosk
from tests.ui.flows import run_service
from ui import printing
from ui.navigator import ScreenKey

CUPSD = "/usr/sbin/cupsd"
PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"


def _scheduler_running() -> bool:
    result = subprocess.run(["lpstat", "-r"], capture_output=True, text=True, check=False)
    return "is running" in result.stdout and "not" not in result.stdout


@pytest.fixture(scope="module")
def cups_pdf() -> Iterator[Path]:
    """A real CUPS scheduler with the CUPS-PDF queue as default; yields the folder PDFs land in."""
    if not (Path(CUPSD).exists() and shutil.which("lpadmin")):
        pytest.skip("CUPS is not installed (Debian cups + printer-driver-cups-pdf, see scripts/setup.sh)")
    if os.geteuid() != 0:
        pytest.skip("starting cupsd needs root (CI runs the suite as root)")
    proc = None
    if not _scheduler_running():
        proc = subprocess.Popen([CUPSD, "-f"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not _scheduler_running():
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.terminate()
                pytest.fail("cupsd did not start")
            time.sleep(0.2)
    subprocess.run(["lpadmin", "-p", "PDF", "-v", "cups-pdf:/", "-m", PPD, "-E"], check=True)
    subprocess.run(["lpadmin", "-d", "PDF"], check=True)
    out = Path.home() / "PDF"
    try:
        yield out
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)


def _no_printer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kiosk with no printer set up: Qt reports no default printer."""
    from PySide6.QtPrintSupport import QPrinterInfo

    monkeypatch.setattr(QPrinterInfo, "defaultPrinter", staticmethod(lambda: QPrinterInfo()))


def _appointment_receipt(kiosk: Kiosk) -> Any:
    screen = run_service(kiosk, "appointment", ALONE_ID)
    assert kiosk.nav.current_key == ScreenKey.RECEIPT
    return screen


def test_appointment_receipt_shows_the_booked_time(kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _appointment_receipt(kiosk)
    slot = next(v for v in screen.record.fields.values() if isinstance(v, dict) and "start" in v)
    start = slot["start"][11:16]  # "09:00" from "2026-11-28T09:00"
    assert screen.booked.isVisible() and start in screen.booked.text() and "预约时间" in screen.booked.text()
    month_day = f"{int(slot['start'][5:7])}月{int(slot['start'][8:10])}日"
    assert month_day in screen.booked.text()
    printed: list[list[tuple[str, int]]] = []
    original = printing.print_pdf

    def keep(path: Path, lines: list[tuple[str, int]], family: str) -> Path:
        printed.append(lines)
        return original(path, lines, family)

    monkeypatch.setattr(printing, "print_pdf", keep)
    _no_printer(monkeypatch)
    kiosk.click(kiosk.tr("receipt.print"))
    assert any(screen.booked.text() == text for text, _size in printed[0])  # on paper too


def test_without_a_printer_it_says_so_and_names_the_pdf(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_printer(monkeypatch)
    screen = _appointment_receipt(kiosk)
    kiosk.click(kiosk.tr("receipt.print"))
    code = screen.record.receipt_code
    pdf = kiosk.ctx.data_dir / "receipts" / f"{code}.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    assert screen.printed.text() != kiosk.tr("receipt.printed")
    assert pdf.name in screen.printed.text() and "没有" in screen.printed.text()


@pytest.mark.slow
def test_receipt_prints_through_a_real_cups_queue(kiosk: Kiosk, cups_pdf: Path) -> None:
    before = set(cups_pdf.glob("*.pdf")) if cups_pdf.exists() else set()
    screen = _appointment_receipt(kiosk)
    kiosk.click(kiosk.tr("receipt.print"))
    assert screen.printed.text() == kiosk.tr("receipt.printed")
    assert screen.last_printed.printed and screen.last_printed.where == "PDF"

    def written() -> list[Path]:
        new = set(cups_pdf.glob("*.pdf")) - before if cups_pdf.exists() else set()
        return [
            p
            for p in new
            if p.read_bytes().startswith(b"%PDF") and p.read_bytes().rstrip().endswith(b"%%EOF")
        ]

    deadline = time.monotonic() + 30
    while not written() and time.monotonic() < deadline:  # CUPS-PDF writes the PDF when the job has run
        time.sleep(0.3)
    assert written(), "CUPS took the job but no complete PDF appeared"
    assert screen.record.receipt_code in written()[0].name  # the job is named after the receipt
    assert not (kiosk.ctx.data_dir / "receipts" / f"{screen.record.receipt_code}.pdf").exists()
