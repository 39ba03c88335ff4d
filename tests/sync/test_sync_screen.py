"""The volunteer sync screen says why sync stopped in plain words, lists the hub changes that need a
volunteer (with the receipt code they concern), and 已处理 closes one."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["YIZHAN_NO_VOICE"] = "1"

from pytestqt.qtbot import QtBot

from models.schema import RequestState, ServiceRequest, SyncState
from models.station import KIOSK
from sync import parking
from sync.apply import apply_page
from sync.protocol import Change, ChangeKind, PullResponse
from tests.ui.conftest import VOLUNTEER_PIN, Kiosk, create_station, open_kiosk
from tests.ui.test_behaviour import _enter_pin, _open_pin
from ui.ports import SyncStatus


class StoppedSync:
    """What the loop's port reports after the hub revoked this station."""

    def status(self) -> SyncStatus:
        return SyncStatus(online=False, waiting=0, stopped="revoked")

    def sync_now(self) -> None:
        return None


@pytest.fixture
def kiosk(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kiosk]:
    info = create_station(tmp_path / "station")
    with open_kiosk(qtbot, info.path, monkeypatch) as kiosk:
        yield kiosk


def test_sync_screen_shows_stop_reason_and_parked_changes(kiosk: Kiosk) -> None:
    station = kiosk.station
    rec = station.requests.submit("problem_report", {"description": "本地被退回"}, KIOSK)
    with station.write() as session:
        session.add(SyncState(id=1, pull_cursor=0))
        row = session.get_one(ServiceRequest, rec.id)
        row.state = RequestState.QUARANTINED
    status = Change(
        seq=4,
        kind=ChangeKind.STATUS,
        ref_id=rec.id,
        created_at=dt.datetime.now(dt.UTC),
        data={"record_id": rec.id, "status": "received"},
    )
    assert (
        apply_page(
            station, PullResponse(protocol=1, changes=[status], next_cursor=4, has_more=False), 0
        ).parked
        == 1
    )
    kiosk.ctx.plug_sync(StoppedSync())

    _enter_pin(kiosk, _open_pin(kiosk), VOLUNTEER_PIN)
    kiosk.click(kiosk.tr("staff.sync"))
    screen = kiosk.nav.current
    kiosk.qtbot.waitUntil(lambda: len(screen.cards) >= 3)
    assert screen.cards[0].lines == ["本站已被中心停用，请联系管理员"]
    parked = [c for c in screen.cards if any(rec.receipt_code in line for line in c.lines)]
    assert len(parked) == 1 and any("QUARANTINED" in line for line in parked[0].lines)
    kiosk.click(kiosk.tr("staff.acknowledge"))  # 已处理: the volunteer dealt with it
    kiosk.qtbot.waitUntil(lambda: not parking.open_parked(station))
    kiosk.qtbot.waitUntil(lambda: not any(rec.receipt_code in line for c in screen.cards for line in c.lines))
