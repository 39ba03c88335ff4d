"""Small console rules with hand-worked answers: slot defaults for the hour, no slot in the past,
staff labels on the request page, and formula neutralising in exports."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from server.console import catalogue
from server.services import console_slots
from server.services.errors import HubError
from server.services.spreadsheet import csv_bytes, safe_cell
from tests.console.seeding import hub_db

TZ = ZoneInfo("Asia/Shanghai")


def at_local(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 10, hour, minute, tzinfo=TZ).astimezone(UTC)


def test_slot_form_defaults_follow_the_hour() -> None:
    assert console_slots.default_times(at_local(10, 20), TZ) == (date(2026, 3, 10), time(11), time(13))
    assert console_slots.default_times(at_local(6, 0), TZ) == (date(2026, 3, 10), time(8), time(10))
    assert console_slots.default_times(at_local(15, 30), TZ) == (
        date(2026, 3, 11),
        time(9),
        time(11),
    )  # 16–18 runs late


def test_no_slot_in_the_past(tmp_path: Path) -> None:
    db = hub_db(tmp_path)
    yesterday = datetime.now(TZ).date() - timedelta(days=1)
    with db.session() as session, pytest.raises(HubError) as refused:
        console_slots.create_slots(
            session,
            db.keys,
            option="health_check",
            day=yesterday,
            start=time(9),
            end=time(11),
            capacity=5,
            stations=None,
            tz=TZ,
        )
    assert refused.value.code == "slot_past"


def test_staff_labels_not_kiosk_questions() -> None:
    assert catalogue.field_title("problem_report", "category") == "问题类别"
    assert catalogue.field_title("problem_report", "description", "en") == "Description"
    assert "？" not in catalogue.field_title("pension_inquiry", "topic")


@pytest.mark.parametrize("cell", ["=1+2", "+1", "-1+1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_formula_cells_become_text(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell
    assert csv_bytes(["h"], [[cell]]).decode("utf-8-sig").splitlines()[1].lstrip('"').startswith("'")


def test_plain_cells_and_numbers_stay() -> None:
    assert (
        safe_cell("路灯") == "路灯"
        and safe_cell(-3) == -3
        and safe_cell(2.5) == 2.5
        and safe_cell(None) == ""
    )
    assert safe_cell("王\ud800秀") == "王?秀"  # a lone surrogate cannot break the file
