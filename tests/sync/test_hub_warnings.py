"""独居老人预警 reaches the station's volunteers: the hub's 发送预警名单 appends a `warnings` change to
the station's feed, the station applies it through real sync (kept encrypted), and the volunteer's
"未签到" list shows it — most urgent first, every read audited."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["YIZHAN_NO_VOICE"] = "1"

from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models.schema import AuditEvent
from models.station import Actor, Station
from server.services.console_warnings import Warning, push_to_station
from server.services.stations import find_station
from sync.client import enrol
from sync.credentials import save_credential
from sync.engine import SyncEngine
from tests.sync.conftest import Hub
from tests.ui.conftest import PASSPHRASE, VOLUNTEER_PIN, create_station, open_kiosk
from tests.ui.test_behaviour import _enter_pin, _open_pin
from ui.navigator import ScreenKey

NAMES = ("钱秀兰", "孙大伯")


def _warning(station_id: str, name: str, days: int, level: int, unwell: bool) -> Warning:
    now = datetime.now(UTC)
    return Warning(
        station_id=station_id,
        station="",
        key=f"k-{name}",
        name=name,
        days_missed=days,
        last_checkin_at=now - timedelta(days=days),
        unwell_at=now if unwell else None,
        level=level,
        outcome=None,
        outcome_by=None,
        outcome_at=None,
    )


@pytest.mark.parametrize("hub", ["sqlite"], indirect=True)
def test_hub_warning_list_reaches_the_volunteer_encrypted_and_audited(
    hub: Hub, tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("desktop.app.SYNC_START_DELAY_MS", 10**8)
    info = create_station(tmp_path / "station")
    name = f"预警站-{tmp_path.name[-8:]}"
    station = Station.open(info.path, PASSPHRASE)
    save_credential(station, enrol(hub.url, hub.enrol_code(name)), Actor("admin", "test"))
    with hub.session() as session:
        enrolled = find_station(session, name)
        assert enrolled is not None
        sid = enrolled.id
        push_to_station(
            session,
            hub.keys,
            sid,
            [_warning(sid, NAMES[0], 3, 1, False), _warning(sid, NAMES[1], 8, 3, True)],
            ZoneInfo("Asia/Shanghai"),
        )
    assert SyncEngine(station).run_once().complete
    station.close()
    for path in info.path.iterdir():  # names travel sealed and rest encrypted
        if path.is_file():
            assert not any(n.encode() in path.read_bytes() for n in NAMES), path

    with open_kiosk(qtbot, info.path, monkeypatch) as kiosk:
        # Before the day's check-in deadline (always, with the deadline at 24:00): today's own list
        # waits, the hub's warnings do not (they were hidden before 10:00 — the test failed by hour).
        kiosk.ctx.settings["checkin_deadline_hour"] = 24
        _enter_pin(kiosk, _open_pin(kiosk), VOLUNTEER_PIN)
        assert kiosk.nav.current_key == ScreenKey.STAFF
        kiosk.click(kiosk.tr("staff.checkins"))
        lines = [card.lines for card in kiosk.nav.current.cards]
        warned = [ls for ls in lines if any(n in " ".join(ls) for n in NAMES)]
        # The one who said they are unwell comes first, then by level; days as the hub counted them.
        assert NAMES[1] in warned[0][0] and kiosk.tr("staff.hub_warning_unwell") in warned[0][0]
        assert NAMES[0] in warned[1][0] and kiosk.tr("staff.hub_level.1") in warned[1][0]
        assert warned[1][1] == kiosk.tr("staff.hub_warning_days", days=3)
        with kiosk.station.read() as session:
            reads = session.execute(
                select(AuditEvent).where(AuditEvent.action == "read_hub_warnings")
            ).scalars()
            assert [e.actor for e in reads] and all(e.actor.startswith("volunteer") for e in reads)
