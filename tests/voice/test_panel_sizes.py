"""The 是 / 不是 confirmation card shows at every text size, on the tallest resident screen (the ID
keypad of a service), without pushing the window's bottom bar off the screen. Screenshots go to
artifacts/voice-ui/ (gitignored) for a human to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from models.station import Station
from tests.ui.conftest import PASSPHRASE, Kiosk, open_kiosk
from ui.navigator import ScreenKey
from ui.theme import SCALES

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "voice-ui"


@pytest.fixture
def zh_kiosk(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kiosk]:
    station = Station.create(tmp_path / "station", PASSPHRASE, name="幸福村便民驿站", locale="zh_CN")
    station.close()
    with open_kiosk(qtbot, tmp_path / "station", monkeypatch) as kiosk:
        yield kiosk


@pytest.mark.parametrize("scale_index", range(len(SCALES)))
def test_confirmation_card_shows_at_every_text_size(zh_kiosk: Kiosk, scale_index: int) -> None:
    kiosk, window = zh_kiosk, zh_kiosk.window
    kiosk.ctx.set_scale_index(scale_index)
    window.on_intent("subsidy_application")  # a service opens on its identify step: the ID keypad
    kiosk.settle()
    assert kiosk.nav.current_key == ScreenKey.SERVICE
    panel = window.voice_panel
    panel.ask("subsidy_application", "您是要办理补贴申请吗？")
    window.fit_voice_panel()  # what the window does on every resize and screen change
    kiosk.settle()
    for button in (panel.yes_button, panel.no_button):
        assert button.isVisible(), f"scale {SCALES[scale_index]}: the answer buttons stepped aside"
        assert button.width() >= 64 and button.height() >= 64, button.size()
        top_left = button.mapTo(window, button.rect().topLeft())
        assert top_left.y() >= 0 and top_left.y() + button.height() <= window.height()
    assert panel.text.text() == "您是要办理补贴申请吗？"
    bar = window.bottom_bar
    assert bar.isVisible() and bar.geometry().bottom() <= window.height(), "the bottom bar was pushed off"
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.repaint()
    window.grab().save(str(SHOTS / f"confirm-keypad-scale{scale_index}.png"))
    panel.screen_changed()  # the question goes with the screen; the strip may step aside again
    window.fit_voice_panel()
