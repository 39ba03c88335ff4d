"""Volunteer actions that touch sync: a record the hub refused is shown with its reason and can be
sent again after the volunteer has looked at it."""

from __future__ import annotations

from models.schema import RequestState, ServiceRequest
from models.station import KIOSK
from tests.ui.conftest import VOLUNTEER_PIN, Kiosk
from tests.ui.test_behaviour import _enter_pin, _open_pin
from ui.navigator import ScreenKey


def test_quarantined_record_shows_reason_and_can_be_resent(kiosk: Kiosk) -> None:
    station = kiosk.station
    rec = station.requests.submit("problem_report", {"description": "被退回的记录"}, KIOSK)
    with station.write() as session:  # as sync/outbox.apply_results leaves a refused record
        row = session.get_one(ServiceRequest, rec.id)
        row.state, row.quarantine_reason = RequestState.QUARANTINED, "invalid: payload could not be opened"
    screen = _open_pin(kiosk)
    _enter_pin(kiosk, screen, VOLUNTEER_PIN)
    assert kiosk.nav.current_key == ScreenKey.STAFF
    kiosk.click(kiosk.tr("staff.quarantine"))
    lists = kiosk.nav.current
    assert len(lists.cards) == 1
    assert any("payload could not be opened" in line for line in lists.cards[0].lines)
    kiosk.click(kiosk.tr("staff.resend"))
    assert station.requests.get(rec.id).state == "QUEUED"
    assert station.requests.get(rec.id).quarantine_reason is None
    assert lists.cards == []


def test_admin_resets_a_pin_and_deactivates_a_volunteer(kiosk: Kiosk) -> None:
    from tests.ui.conftest import ADMIN_PIN

    station = kiosk.station
    _enter_pin(kiosk, _open_pin(kiosk), ADMIN_PIN)
    kiosk.click(kiosk.tr("admin.volunteers"))
    screen = kiosk.nav.current
    kiosk.qtbot.waitUntil(lambda: len(screen.list.cards) == 2)
    kiosk.click(kiosk.tr("admin.vol_set_pin"))  # first card: the volunteer; no PIN typed yet
    assert screen.message.isVisible() and kiosk.tr("admin.vol_pin_first") in screen.message.text()
    screen.pin.setText("8642")
    kiosk.click(kiosk.tr("admin.vol_set_pin"))
    assert station.volunteers.sign_in("8642") is not None
    assert station.volunteers.sign_in(VOLUNTEER_PIN) is None  # the old PIN no longer works
    kiosk.click(kiosk.tr("admin.vol_deactivate"))  # only the other person can be deactivated
    kiosk.qtbot.waitUntil(
        lambda: not [v for v in station.volunteers.list() if v.role == "volunteer" and v.active]
    )
    assert station.volunteers.sign_in("8642") is None
    assert [v.active for v in station.volunteers.list() if v.role == "admin"] == [True]


def test_resident_switches_language_and_the_next_resident_starts_in_chinese(kiosk: Kiosk) -> None:
    kiosk.click("English")
    kiosk.qtbot.waitUntil(lambda: kiosk.ctx.locale == "en" and kiosk.nav.current_key == ScreenKey.HOME)
    kiosk.settle()
    home = kiosk.nav.current
    assert home.tiles["pension_inquiry"].accessibleName().startswith("Pension")
    kiosk.button("한국어")  # the other two languages are offered, each named in itself
    kiosk.button("中文")
    kiosk.window.wipe_and_home()  # the idle reset after this resident
    kiosk.qtbot.waitUntil(lambda: kiosk.ctx.locale == "zh_CN")
    kiosk.settle()
    assert kiosk.nav.current.tiles["pension_inquiry"].accessibleName().startswith("养老金")


def test_kiosk_purges_expired_records_on_its_own(kiosk: Kiosk) -> None:
    import datetime as dt

    from models.schema import utcnow

    station = kiosk.station
    old = station.requests.submit("problem_report", {"description": "两百天前办结的事"}, KIOSK)
    fresh = station.requests.submit("problem_report", {"description": "昨天办结的事"}, KIOSK)
    with station.write() as session:
        for rid, age in ((old.id, 200), (fresh.id, 1)):
            station.requests.apply_hub_status(session, rid, "DONE", "办好了", hub_seq=1 if age > 100 else 2)
            row = session.get_one(ServiceRequest, rid)
            row.sent_at = row.closed_at = utcnow() - dt.timedelta(days=age)
    # The kiosk schedules retention by itself after unlock; its timer then calls purge_expired.
    kiosk.qtbot.waitUntil(lambda: getattr(kiosk.ctx, "_retention_timer", None) is not None, timeout=5000)
    assert kiosk.ctx._retention_timer.isActive()
    kiosk.ctx.purge_expired()
    kiosk.settle()
    remaining = {r.id for r in station.requests.list()}
    assert old.id not in remaining and fresh.id in remaining
