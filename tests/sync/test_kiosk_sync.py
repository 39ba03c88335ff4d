"""The kiosk with its background sync against a real hub: a request made by touch goes up on
立即同步, the status strip says so, and the hub's reply shows (and is read aloud) in 我的办件."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["YIZHAN_NO_VOICE"] = "1"

from pytestqt.qtbot import QtBot

from models.station import Actor, Station
from sync.client import enrol
from sync.credentials import save_credential
from tests.sync.conftest import Hub
from tests.ui.conftest import OTHER_ID, PASSPHRASE, Kiosk, StationInfo, create_station, open_kiosk
from tests.ui.flows import run_service


@pytest.fixture
def enrolled_kiosk(
    qtbot: QtBot, hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Kiosk]:
    info: StationInfo = create_station(tmp_path / "station")
    station = Station.open(info.path, PASSPHRASE)
    name = f"驿站-{tmp_path.name[-8:]}"
    save_credential(station, enrol(hub.url, hub.enrol_code(name)), Actor("admin", "test"))
    station.close()
    with open_kiosk(qtbot, info.path, monkeypatch) as kiosk:
        qtbot.waitUntil(lambda: kiosk.ctx._sync_loop is not None, timeout=10_000)
        yield kiosk


def test_kiosk_sync_round_trip(enrolled_kiosk: Kiosk, hub: Hub) -> None:
    kiosk = enrolled_kiosk
    receipt = run_service(kiosk, "problem_report", OTHER_ID)
    record = receipt.record
    station = kiosk.station
    kiosk.sync.sync_now()  # 立即同步
    kiosk.qtbot.waitUntil(lambda: station.requests.get(record.id).state == "SENT", timeout=20_000)
    status = kiosk.sync.status()
    assert status.waiting == 0
    kiosk.qtbot.waitUntil(lambda: kiosk.sync.status().online, timeout=20_000)

    hub.set_status(record.id, "done", "路灯已修好，谢谢您的反映。")
    kiosk.sync.sync_now()
    kiosk.qtbot.waitUntil(lambda: station.requests.get(record.id).state == "DONE", timeout=20_000)

    kiosk.click(kiosk.tr("bar.home"))
    run_service(kiosk, "my_requests", OTHER_ID)
    screen = kiosk.nav.current
    kiosk.qtbot.waitUntil(lambda: bool(screen.records))
    texts = [lbl.text() for card in screen.list.cards for lbl in card.findChildren(type(screen.title))]
    assert any("路灯已修好" in t for t in texts), texts
    assert any(kiosk.tr("status.done") in t for t in texts), texts
    kiosk.click(kiosk.tr("my.read_aloud"))
    assert any("路灯已修好" in text for text, _ in kiosk.speech.spoken)


def test_admin_enrols_the_station_from_settings(
    qtbot: QtBot, hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.ui.conftest import ADMIN_PIN
    from tests.ui.test_behaviour import _enter_pin, _open_pin

    info = create_station(tmp_path / "station")
    with open_kiosk(qtbot, info.path, monkeypatch) as kiosk:
        ctx = kiosk.ctx
        assert ctx._sync_loop is None  # not enrolled: the kiosk stays offline by design
        _enter_pin(kiosk, _open_pin(kiosk), ADMIN_PIN)
        kiosk.click(kiosk.tr("admin.settings"))
        screen = kiosk.nav.current
        screen.inputs["hub_url"].setText(hub.url)
        screen.enrol_code.setText("WRONG-CODE-0000")
        kiosk.click(kiosk.tr("admin.enrol"))
        qtbot.waitUntil(lambda: screen.message.isVisible(), timeout=10_000)
        assert "加入没有成功" in screen.message.text()
        screen.enrol_code.setText(hub.enrol_code(f"设置页-{tmp_path.name[-8:]}"))
        kiosk.click(kiosk.tr("admin.enrol"))
        qtbot.waitUntil(lambda: ctx._sync_loop is not None, timeout=10_000)
        assert "设置页" in screen.message.text()
        rec = kiosk.station.requests.submit(
            "problem_report", {"description": "设置页加入后提交"}, Actor("kiosk")
        )
        kiosk.sync.sync_now()
        qtbot.waitUntil(lambda: kiosk.station.requests.get(rec.id).state == "SENT", timeout=20_000)
