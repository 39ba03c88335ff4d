"""Help that says what really happened: offline the kiosk only rings here (and says so); online it
says "正在通知服务中心" until the hub acknowledges, then "服务中心已收到"; a mistaken call can be
cancelled for ten seconds (kept, with a synced cancellation); pressing again within five minutes
joins the same call; 请志愿者帮忙 shows no 110/120 and carries the caller's name; the volunteers'
list puts urgent calls first and marks them apart."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from models.schema import ServiceRequest, utcnow
from models.station import Station
from tests.ui.conftest import ALONE_ID, VOLUNTEER_PIN, Kiosk
from tests.ui.flows import type_id
from tests.ui.test_behaviour import _enter_pin, _open_pin
from ui.navigator import ScreenKey
from ui.ports import SyncStatus
from ui.screens.help import HelpScreen


def _call(kiosk: Kiosk) -> HelpScreen:
    kiosk.click(kiosk.ctx.pick(kiosk.ctx.catalogue.get("help_call").title))
    assert kiosk.nav.current_key == ScreenKey.HELP
    screen: HelpScreen = kiosk.nav.current
    return screen


def _help_calls(kiosk: Kiosk) -> list[ServiceRequest]:
    with kiosk.station.read() as session:
        return list(
            session.execute(select(ServiceRequest).where(ServiceRequest.service == "help_call")).scalars()
        )


class OnlinePort:
    """A joined station whose last sync pass reached the hub (the status strip's view of it)."""

    joined = True

    def __init__(self, station: Station) -> None:
        self.station = station

    def status(self) -> SyncStatus:
        return SyncStatus(online=True, waiting=self.station.requests.count_waiting())

    def sync_now(self) -> None:
        return None


def test_online_call_waits_for_the_hub_then_says_received(kiosk: Kiosk) -> None:
    kiosk.ctx.sync = OnlinePort(kiosk.station)
    kiosk.ctx.last_status = dataclasses.replace(kiosk.ctx.last_status, online=True)
    screen = _call(kiosk)
    assert screen.title.text() == kiosk.tr("help.sending")  # not yet "received": nobody confirmed it
    with kiosk.station.write() as session:  # what sync/apply.py does with the hub's HELP_ACK
        assert screen.record is not None
        row = session.get_one(ServiceRequest, screen.record.id)
        row.acknowledged_at = utcnow()
    kiosk.qtbot.waitUntil(lambda: screen.title.text() == kiosk.tr("help.received"), timeout=5000)


def test_mistaken_call_is_cancelled_and_kept(kiosk: Kiosk) -> None:
    screen = _call(kiosk)
    record = screen.record
    assert record is not None
    assert screen.cancel_button.isVisible()
    kiosk.click(kiosk.tr("help.cancel"))
    assert screen.title.text() == kiosk.tr("help.cancelled")
    requests = kiosk.station.requests
    assert requests.get(record.id).receipt_code == record.receipt_code  # kept, not deleted
    assert requests.open_help_calls() == []
    cancels = [r for r in requests.list() if r.service == "help_cancel"]
    assert len(cancels) == 1 and cancels[0].fields == {"request_id": record.id}
    assert cancels[0].state == "QUEUED"  # travels to the hub like any record


def test_cancel_is_offered_for_ten_seconds_only(kiosk: Kiosk) -> None:
    from ui.screens import help as help_screen

    screen = _call(kiosk)
    assert screen._cancel_timer.interval() == help_screen.CANCEL_S * 1000 == 10_000
    screen._cancel_timer.timeout.emit()  # the ten seconds are over
    assert not screen.cancel_button.isVisible()


def test_pressing_again_within_five_minutes_joins_the_same_call(kiosk: Kiosk) -> None:
    screen = _call(kiosk)
    first = screen.record
    assert first is not None and first.receipt_code is not None
    kiosk.window.wipe_and_home()
    kiosk.settle()
    screen = _call(kiosk)
    kiosk.settle()
    assert screen.record is not None and screen.record.id == first.id and len(_help_calls(kiosk)) == 1
    assert first.receipt_code in screen.code.text()


def test_assist_shows_no_emergency_numbers_and_names_the_caller(kiosk: Kiosk) -> None:
    kiosk.click(kiosk.ctx.pick(kiosk.ctx.catalogue.get("problem_report").title))
    type_id(kiosk, ALONE_ID)
    kiosk.click(kiosk.tr("identify.confirm"))
    resident = kiosk.nav.current.resident
    kiosk.click(kiosk.tr("bar.help"))
    screen = kiosk.nav.current
    assert kiosk.nav.current_key == ScreenKey.HELP and not screen.numbers.isVisible()
    assert not any("110" in w.text() for w in screen.findChildren(type(screen.title)) if w.isVisible())
    calls = kiosk.station.requests.open_help_calls()
    assert len(calls) == 1 and not calls[0].urgent and calls[0].resident_id == resident.id


def test_volunteer_list_puts_urgent_calls_first(kiosk: Kiosk) -> None:
    kiosk.click(kiosk.tr("bar.help"))  # an assist request first …
    kiosk.nav.current._last_call = None  # (a different resident, later: not the same call)
    kiosk.window.wipe_and_home()
    kiosk.settle()
    _call(kiosk)  # … then 一键呼叫
    kiosk.window.wipe_and_home()
    kiosk.settle()
    _enter_pin(kiosk, _open_pin(kiosk), VOLUNTEER_PIN)
    kiosk.click(kiosk.tr("staff.help"))
    cards = kiosk.nav.current.cards
    assert [c.icon_name for c in cards] == [kiosk.tr("staff.help_urgent"), kiosk.tr("staff.help_assist")]
    assert cards[0].icon != cards[1].icon and cards[0].icon_color != cards[1].icon_color


def test_checkin_not_well_becomes_an_urgent_help_call(kiosk: Kiosk) -> None:
    kiosk.click(kiosk.ctx.pick(kiosk.ctx.catalogue.get("daily_checkin").title))
    type_id(kiosk, ALONE_ID)
    kiosk.click(kiosk.tr("identify.confirm"))
    page = kiosk.nav.current.page
    assert page.fine.text().strip() == "我今天很好" and page.unwell.text().strip() == "我不太好，想让人来看看"
    resident = kiosk.nav.current.resident
    kiosk.click(page.unwell)
    assert kiosk.nav.current_key == ScreenKey.HELP
    calls = kiosk.station.requests.open_help_calls()
    assert len(calls) == 1 and calls[0].urgent and calls[0].resident_id == resident.id
    checkins = [r for r in kiosk.station.requests.list() if r.service == "daily_checkin"]
    assert len(checkins) == 1 and checkins[0].fields == {"status": "unwell"}


def test_checkin_receipt_has_no_case_number(kiosk: Kiosk) -> None:
    from tests.ui.flows import run_service

    screen = run_service(kiosk, "daily_checkin", ALONE_ID)
    assert kiosk.nav.current_key == ScreenKey.RECEIPT
    assert screen.title.text() == kiosk.tr("receipt.checkin")
    for widget in (screen.code, screen.code_hint, screen.next_hint, screen.print_button):
        assert not widget.isVisible()
    assert screen.record.receipt_code not in screen.spoken_text()
