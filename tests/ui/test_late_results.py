"""A database answer that arrives after its screen was rebuilt or left never touches a deleted widget
and never brings back what was wiped (the 居民议事 tile and screens, ui/screens/consult.py)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator

import pytest
import shiboken6

from models import consultations
from models.station import SYSTEM
from tests.ui.conftest import ALONE_ID, Kiosk
from ui.navigator import ScreenKey
from ui.screens.consult import ConsultFlowScreen
from ui.tour import drop_deleted


@pytest.fixture
def held(kiosk: Kiosk) -> Iterator[threading.Event]:
    """The DB worker kept busy until the event is set, so the next answers wait."""
    gate = threading.Event()
    kiosk.ctx.db.run(lambda: gate.wait(30))
    try:
        yield gate
    finally:
        gate.set()


def _rebuild_in_english(kiosk: Kiosk) -> None:
    """A resident taps English: every screen is rebuilt, the old ones deleted."""
    kiosk.ctx.set_locale("en")
    drop_deleted()


def test_tile_rebuilt_before_its_answer_is_left_alone(kiosk: Kiosk, held: threading.Event) -> None:
    home = kiosk.nav.current
    tile = home.consult_tile
    tile.refresh()  # asks the worker whether a consultation is open
    _rebuild_in_english(kiosk)
    assert not shiboken6.isValid(tile)
    held.set()
    kiosk.settle()  # the answer arrives for a tile that no longer exists: nothing raised
    assert kiosk.nav.current_key == ScreenKey.HOME and kiosk.nav.current is not home


def test_consult_screen_rebuilt_before_its_answer_is_left_alone(kiosk: Kiosk, held: threading.Event) -> None:
    screen = kiosk.nav.go(ScreenKey.CONSULT)
    _rebuild_in_english(kiosk)
    assert not shiboken6.isValid(screen)
    held.set()
    kiosk.settle()
    assert kiosk.nav.current_key == ScreenKey.HOME


def test_a_resident_identified_after_the_flow_was_wiped_is_not_kept(kiosk: Kiosk) -> None:
    """The answer to "has this resident voted already?" comes after 首页 wiped the flow: the flow must
    not take the resident back (their name would wait on a hidden screen for the next person)."""
    with kiosk.station.write() as session:
        consultations.apply_change(
            kiosk.station,
            session,
            {
                "id": "c1",
                "title": "修路",
                "body": "先修哪条路？",
                "options": ["东街", "西街"],
                "voter_key": base64.b64encode(b"k" * 32).decode(),
            },
        )
    [consultation] = consultations.open_consultations(kiosk.station)
    flow = kiosk.nav.go(ScreenKey.CONSULT_FLOW, consultation=consultation)
    assert isinstance(flow, ConsultFlowScreen)
    resident = kiosk.station.residents.find_by_id_number(ALONE_ID, SYSTEM)
    assert resident is not None
    gate = threading.Event()
    kiosk.ctx.db.run(lambda: gate.wait(30))
    flow.identified(resident)
    kiosk.nav.home()  # the idle reset, or 首页
    gate.set()
    kiosk.settle()
    assert flow.resident is None and flow.service is None
    assert kiosk.nav.current_key == ScreenKey.HOME
