"""One row that cannot be shown is shown as best it can (or reported), never a 500 for everyone: a
station clock at 9999-12-31, a name with a lone surrogate, a resident snapshot that no longer
decrypts. Pages and exports stay up; the other rows are all there."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from server.db.console_models import ConsoleAudit, HubResident
from tests.console.conftest import PASSWORD, login_session
from tests.console.seeding import NOW, HubDb, hub_db
from tests.support.hubproc import HubProcess, running_hub


@pytest.fixture(scope="module")
def bad_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HubDb, HubProcess, dict[str, str]]]:
    db = hub_db(tmp_path_factory.mktemp("badrows"))
    ids = {
        "future": db.add(
            "东山村驿站",
            "problem_report",
            {"description": "路灯坏了"},
            kind="service_request",
            at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
            received=NOW,
            resident={"id": "r-future", "name": "未来", "living_alone": True},
        ),
        "surrogate": db.add(
            "东山村驿站",
            "daily_checkin",
            {},
            kind="daily_checkin",
            at=NOW - timedelta(days=4),
            resident={"id": "r-sur", "name": "王\ud800秀", "living_alone": True, "phone": "1"},
        ),
        "good": db.add(
            "东山村驿站",
            "daily_checkin",
            {},
            kind="daily_checkin",
            at=NOW - timedelta(days=3),
            resident={"id": "r-good", "name": "李正常", "living_alone": True},
        ),
        "broken": db.add(
            "东山村驿站",
            "daily_checkin",
            {},
            kind="daily_checkin",
            at=NOW - timedelta(days=5),
            resident={"id": "r-broken", "name": "坏数据", "living_alone": True},
        ),
    }
    with db.session() as session:  # a snapshot that no longer opens (tampered or another key)
        session.execute(
            update(HubResident).where(HubResident.resident_key == "r-broken").values(data_enc=b"\x00" * 40)
        )
    os.environ["YIZHAN_HUB_PASSWORD"] = PASSWORD
    try:
        assert db.cli("staff", "add", "guanli", "--role", "admin")[0] == 0
    finally:
        del os.environ["YIZHAN_HUB_PASSWORD"]
    with running_hub(db.home, db.url) as hub:
        yield db, hub, ids


def test_pages_and_exports_survive_bad_rows(bad_hub: tuple[HubDb, HubProcess, dict[str, str]]) -> None:
    db, hub, ids = bad_hub
    http = login_session(hub, "guanli")
    for path in (
        "/console/queue?status=all",
        f"/console/requests/{ids['future']}",
        "/console/checkins",
        "/console/warnings",
        "/console/stats",
        "/console/topics",
        "/console/stats/by_station.csv",
        "/console/topics.csv",
        "/console/warnings.csv",
        "/console/warnings.xlsx",
        "/console/reports/week.xlsx",
        "/console/slots",
    ):
        answer = http.get(hub.url + path, timeout=60)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:200])
    for path in ("/console/topics.pdf", "/console/warnings.txt", "/console/stats/by_station.pdf"):
        assert http.get(hub.url + path, timeout=30).status_code == 404, path
    assert http.get(hub.url + "/console/topics.csv", timeout=30).text.startswith("\ufefftopic,count,")
    with db.session() as session:
        exports = set(
            session.execute(
                select(ConsoleAudit.action, ConsoleAudit.target).where(ConsoleAudit.action.like("export_%"))
            ).all()
        )
    assert exports == {
        ("export_csv", "stats:by_station"),
        ("export_csv", "topics"),
        ("export_csv", "warnings"),
        ("export_xlsx", "warnings"),
    }  # every download audited, a refused format not
    warnings = http.get(hub.url + "/console/warnings", timeout=30).text
    assert "李正常" in warnings and "王?秀" in warnings  # the bad character is replaced, the row shown
    checkins = http.get(hub.url + "/console/checkins", timeout=30).text
    assert "李正常" in checkins and "1 行数据无法显示" in checkins  # the unreadable one is reported
    queue = http.get(hub.url + "/console/queue?status=all", timeout=30).text
    assert "9999-12-31" in queue
