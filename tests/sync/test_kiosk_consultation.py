"""居民议事 through the real kiosk windows of two stations and a real hub over HTTP: the hub asks,
both kiosks show the banner, residents vote by touch (offline), the votes sync later, a resident
who votes at both stations counts once, results and turnout are right, and the published result
arrives as a notice. Screens are rendered to artifacts/consult/ for a look."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["YIZHAN_NO_VOICE"] = "1"

from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models import consultations
from models.schema import Notice
from models.station import Actor, Station
from sync.client import enrol
from sync.credentials import save_credential
from sync.engine import SyncEngine
from tests.sync.conftest import Hub
from tests.ui.conftest import ALONE_ID, OTHER_ID, PASSPHRASE, Kiosk, StationInfo, create_station, open_kiosk
from tests.ui.flows import type_id
from ui.navigator import ScreenKey

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "consult"
TITLE = "广场上添置什么"


@pytest.fixture(autouse=True)
def no_background_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    # The kiosks stay offline: their votes wait in the outbox until the test syncs them.
    monkeypatch.setattr("desktop.app.SYNC_START_DELAY_MS", 10**8)


def _station(hub: Hub, path: Path, name: str) -> StationInfo:
    info = create_station(path)
    station = Station.open(info.path, PASSPHRASE)
    save_credential(station, enrol(hub.url, hub.enrol_code(name)), Actor("admin", "test"))
    station.close()
    return info


def _sync(info: StationInfo) -> Station:
    station = Station.open(info.path, PASSPHRASE)
    assert SyncEngine(station).run_once().complete
    return station


KioskOpener = Callable[[StationInfo], AbstractContextManager[Kiosk]]


@pytest.fixture
def kiosk_of(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> KioskOpener:
    def opened(info: StationInfo) -> AbstractContextManager[Kiosk]:
        return open_kiosk(qtbot, info.path, monkeypatch)

    return opened


def _vote(kiosk: Kiosk, id_number: str, option: str, shot: str = "") -> str:
    """Banner → question → 我要参加 → ID → option → skip suggestion → 提交; returns the end message."""
    home = kiosk.nav.current
    kiosk.qtbot.waitUntil(lambda: home.consult_tile.isVisible(), timeout=10_000)
    if shot:
        kiosk.window.grab().save(str(ARTIFACTS / f"{shot}-home.png"))
    kiosk.click(home.consult_tile)
    assert kiosk.nav.current_key == ScreenKey.CONSULT
    kiosk.qtbot.waitUntil(lambda: kiosk.nav.current.join.isEnabled(), timeout=10_000)
    assert kiosk.nav.current.headline.text() == TITLE
    assert kiosk.nav.current.question.text() == "村里想给广场添置一样东西，您选哪个？"
    if shot:
        kiosk.window.grab().save(str(ARTIFACTS / f"{shot}-question.png"))
    kiosk.click(kiosk.tr("consult.join"))
    flow = kiosk.nav.current
    assert kiosk.nav.current_key == ScreenKey.CONSULT_FLOW and flow.page.step.kind == "identify"
    type_id(kiosk, id_number)
    kiosk.click(kiosk.tr("identify.confirm"))
    if kiosk.nav.current_key == ScreenKey.CONSULT_DONE:
        return kiosk.nav.current.message.text()
    assert flow.page.step.kind == "choose"
    if shot:
        kiosk.window.grab().save(str(ARTIFACTS / f"{shot}-options.png"))
    kiosk.click(option)
    assert flow.page.step.id == "suggestion"
    kiosk.click(kiosk.tr("step.skip"))
    assert flow.page.step.kind == "confirm" and option in flow.page.summary.text()
    kiosk.click(kiosk.tr("confirm.submit"))
    assert kiosk.nav.current_key == ScreenKey.CONSULT_DONE
    if shot:
        kiosk.window.grab().save(str(ARTIFACTS / f"{shot}-thanks.png"))
    message = kiosk.nav.current.message.text()
    kiosk.click(kiosk.tr("consult.home"))
    return message


@pytest.mark.parametrize("hub", ["sqlite"], indirect=True)  # the hub side runs on both in test_consultations
def test_two_kiosks_vote_offline_sync_later_duplicate_refused_result_published(
    hub: Hub, tmp_path: Path, kiosk_of: KioskOpener
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    suffix = tmp_path.name[-8:]
    a = _station(hub, tmp_path / "a", f"议事甲-{suffix}")
    b = _station(hub, tmp_path / "b", f"议事乙-{suffix}")
    cid = hub.run(
        "consult",
        "create",
        "--title",
        TITLE,
        "--text",
        "村里想给广场添置一样东西，您选哪个？",
        "--option",
        "路灯",
        "--option",
        "长椅",
        "--suggestions",
        "--station",
        f"议事甲-{suffix}",
        "--station",
        f"议事乙-{suffix}",
    )
    for info in (a, b):
        _sync(info).close()

    with kiosk_of(a) as kiosk:
        assert _vote(kiosk, ALONE_ID, "路灯", shot="consult") == kiosk.tr("consult.done.thanks")
        assert _vote(kiosk, ALONE_ID, "长椅") == kiosk.tr("consult.done.voted")  # no second vote here
    station_a = _sync(a)  # A comes online first
    station_a.close()
    with kiosk_of(b) as kiosk:  # B never heard of A's vote: it takes one, offline
        assert _vote(kiosk, ALONE_ID, "长椅") == kiosk.tr("consult.done.thanks")
        assert _vote(kiosk, OTHER_ID, "长椅") == kiosk.tr("consult.done.thanks")
    station_b = _sync(b)
    assert consultations.participation(station_b, cid, ALONE_ID) == "duplicate"
    station_b.close()
    with kiosk_of(b) as kiosk:  # the resident comes back to B: told why, choice not shown
        message = _vote(kiosk, ALONE_ID, "路灯")
        assert message == kiosk.tr("consult.done.duplicate")
        assert "路灯" not in kiosk.nav.current.detail.text() and "长椅" not in kiosk.nav.current.detail.text()

    doc = json.loads(hub.run("consult", "results", cid, "--json"))
    # By hand: 路灯 ← ALONE at A; 长椅 ← OTHER at B (ALONE's copy at B refused). Each station has 2 residents.
    assert [o["votes"] for o in doc["options"]] == [1, 1]
    assert sorted((s["votes"], s["residents"]) for s in doc["stations"]) == [(1, 2), (1, 2)]
    hub.run("consult", "publish", cid)
    for info in (a, b):
        station = _sync(info)
        with station.read() as session:
            notices = [n.body for n in session.execute(select(Notice)).scalars() if TITLE in n.title]
        assert notices and "路灯 1 票" in notices[0] and "长椅 1 票" in notices[0]
        assert consultations.open_consultations(station) == []
        station.close()
    with kiosk_of(a) as kiosk:
        kiosk.settle()
        assert not kiosk.nav.current.consult_tile.isVisible()
