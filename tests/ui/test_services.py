"""Every resident service end to end through the real window, with the real encrypted database."""

from __future__ import annotations

import re
import sqlite3

import pytest

from models.db import DB_NAME
from tests.ui.conftest import ALONE_ID, OTHER_ID, Kiosk
from tests.ui.flows import DESCRIPTION, run_service
from ui.navigator import ScreenKey

FORM_SERVICES = [
    "pension_inquiry",
    "subsidy_application",
    "certificate",
    "problem_report",
    "appointment",
    "daily_checkin",
]


def _raw_db(kiosk: Kiosk) -> bytes:
    return (kiosk.ctx.data_dir / DB_NAME).read_bytes()


@pytest.mark.parametrize("service_id", FORM_SERVICES)
def test_service_end_to_end(kiosk: Kiosk, service_id: str) -> None:
    receipt = run_service(kiosk, service_id, ALONE_ID)
    assert kiosk.nav.current_key == ScreenKey.RECEIPT
    code = receipt.record.receipt_code
    assert re.fullmatch(r"A01-\d{4}", code)
    assert receipt.code.text() == code

    station = kiosk.station
    stored = station.requests.get(receipt.record.id)
    assert stored.state == "QUEUED" and stored.receipt_code == code and stored.status_key == "saved_locally"
    assert stored.resident_id is not None
    if service_id == "problem_report":
        assert stored.fields["description"] == DESCRIPTION
        assert stored.fields["category"] == "road_light"
    # Encrypted at rest: neither the description nor the name is in the database file or its WAL.
    con = sqlite3.connect(kiosk.ctx.data_dir / DB_NAME)
    con.execute("PRAGMA wal_checkpoint(FULL)")
    con.close()
    raw = _raw_db(kiosk)
    assert DESCRIPTION.encode() not in raw and "张桂英".encode() not in raw
    assert station.requests.count_waiting() >= 1
    # No half-written draft is left behind.
    assert station.requests.counts_by_state().get("DRAFT", 0) == 0

    kiosk.click(kiosk.tr("receipt.finish"))
    if service_id == "daily_checkin":
        assert kiosk.nav.current_key == ScreenKey.HOME
    else:
        assert kiosk.nav.current_key == ScreenKey.RATING
        kiosk.click(kiosk.tr("rating.good"))
        assert kiosk.nav.current.thanks.isVisible()  # the thank-you is seen, then home
        kiosk.qtbot.waitUntil(lambda: kiosk.nav.current_key == ScreenKey.HOME, timeout=5000)
        assert station.requests.counts_by_state().get("QUEUED", 0) == 2  # the request and its rating


def test_my_requests_shows_the_new_request(kiosk: Kiosk) -> None:
    receipt = run_service(kiosk, "problem_report", OTHER_ID)
    code = receipt.record.receipt_code
    kiosk.click(kiosk.tr("bar.home"))
    run_service(kiosk, "my_requests", OTHER_ID)
    assert kiosk.nav.current_key == ScreenKey.MY_REQUESTS
    screen = kiosk.nav.current
    kiosk.qtbot.waitUntil(lambda: bool(screen.records))
    texts = [lbl.text() for card in screen.list.cards for lbl in card.findChildren(type(screen.title))]
    assert any(code in t for t in texts)
    assert any(kiosk.tr("status.saved_locally") in t for t in texts)
    kiosk.click(kiosk.tr("my.read_aloud"))
    assert any(code in text for text, _ in kiosk.speech.spoken)


def test_receipt_prints_to_pdf(kiosk: Kiosk) -> None:
    receipt = run_service(kiosk, "certificate", ALONE_ID)
    kiosk.click(kiosk.tr("receipt.print"))
    pdf = kiosk.ctx.data_dir / "receipts" / f"{receipt.record.receipt_code}.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    # The PDF's streams are compressed: read its text the way a viewer does, not its bytes.
    from PySide6.QtPdf import QPdfDocument

    document = QPdfDocument()
    document.load(str(pdf))
    text = "".join(document.getAllText(page).text() for page in range(document.pageCount()))
    document.close()
    assert kiosk.ctx.pick(kiosk.ctx.catalogue.get("certificate").title) in text  # the extraction works
    assert "张桂英" not in text and ALONE_ID[-4:] not in text  # nothing personal on the paper


def test_speech_never_contains_id_digits(kiosk: Kiosk) -> None:
    run_service(kiosk, "pension_inquiry", ALONE_ID)
    spoken = " ".join(text for text, _ in kiosk.speech.spoken)
    assert spoken, "the kiosk should have spoken its prompts"
    assert ALONE_ID not in spoken and ALONE_ID[:6] not in spoken and ALONE_ID[-4:] not in spoken
