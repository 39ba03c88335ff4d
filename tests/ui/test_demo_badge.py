"""A demo station shows 演示 in the header of every kiosk screen, locked or not; a real one never."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from models.station import SYSTEM, Station
from tests.ui.conftest import Kiosk, create_station, open_kiosk
from ui.navigator import ScreenKey


def _badge_visible(kiosk: Kiosk) -> bool:
    label = kiosk.window.demo_label
    return bool(label.isVisible() and label.text() == "演示")


def test_demo_badge_on_every_screen(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = create_station(tmp_path / "demo")
    station = Station.open(info.path, "test-pass-123")
    station.update_settings(SYSTEM, demo=True)
    station.close()
    with open_kiosk(qtbot, info.path, monkeypatch) as kiosk:
        seen = {}
        for key in (ScreenKey.HOME, ScreenKey.MY_REQUESTS, ScreenKey.NOTICES, ScreenKey.HELP, ScreenKey.PIN):
            kiosk.nav.go(key)
            kiosk.settle()
            seen[key] = _badge_visible(kiosk)
        assert all(seen.values()) and len(seen) == 5, seen


def test_no_badge_on_a_real_station(kiosk: Kiosk) -> None:
    assert not kiosk.window.demo_label.isVisible()
