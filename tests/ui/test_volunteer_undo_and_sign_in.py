"""Volunteer screens that forgive and record truthfully: a mistaken 已处理 on a help call can be
undone on the same screen (audited), and another person's PIN typed under a wrongly chosen name
signs nobody in and is audited as a refused attempt, never as that other person's sign-in."""

from __future__ import annotations

from sqlalchemy import select

from models.schema import AuditEvent
from tests.ui.conftest import ADMIN_PIN, VOLUNTEER_PIN, Kiosk
from tests.ui.test_behaviour import _enter_pin, _open_pin
from ui.navigator import ScreenKey


def _audit(kiosk: Kiosk, action: str) -> list[AuditEvent]:
    with kiosk.station.read() as session:
        return list(session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_a_mistaken_handled_is_undone_on_the_same_screen(kiosk: Kiosk) -> None:
    requests = kiosk.station.requests
    call = requests.help_call(kiosk.ctx.actor)
    _enter_pin(kiosk, _open_pin(kiosk), VOLUNTEER_PIN)
    assert kiosk.ctx.staff is not None
    volunteer = f"volunteer:{kiosk.ctx.staff.id}"
    kiosk.click(kiosk.tr("staff.help"))
    screen = kiosk.nav.current
    assert not screen.undo_button.isVisible()  # nothing to undo yet
    kiosk.click(kiosk.tr("staff.acknowledge"))
    assert requests.open_help_calls() == []
    assert screen.undo_note.text() == kiosk.tr("staff.handled", code=call.receipt_code)
    kiosk.click(kiosk.tr("staff.undo"))
    assert [c.id for c in requests.open_help_calls()] == [call.id]  # back in the list, same record
    reopened = requests.get(call.id)
    assert reopened is not None and reopened.acknowledged_at is None
    assert len(screen.cards) == 1 and not screen.undo_button.isVisible()
    assert screen.message.text() == kiosk.tr("staff.undone", code=call.receipt_code)
    undo = _audit(kiosk, "unacknowledge")
    assert [(e.actor, e.target) for e in undo] == [(volunteer, f"request:{call.id}")]
    # leaving the screen ends the offer
    kiosk.click(kiosk.tr("staff.acknowledge"))
    assert screen.undo_button.isVisible()
    kiosk.click(kiosk.tr("bar.back"))
    kiosk.click(kiosk.tr("staff.help"))
    assert not kiosk.nav.current.undo_button.isVisible() and requests.open_help_calls() == []


def test_undo_leaves_a_call_the_hub_acknowledged_meanwhile(kiosk: Kiosk) -> None:
    from models.schema import ServiceRequest, utcnow

    requests = kiosk.station.requests
    call = requests.help_call(kiosk.ctx.actor)
    _enter_pin(kiosk, _open_pin(kiosk), VOLUNTEER_PIN)
    kiosk.click(kiosk.tr("staff.help"))
    kiosk.click(kiosk.tr("staff.acknowledge"))
    with kiosk.station.write() as session:  # the hub's HELP_ACK arrives (sync/apply.py) later
        session.get_one(ServiceRequest, call.id).acknowledged_at = utcnow()
    kiosk.click(kiosk.tr("staff.undo"))
    assert requests.open_help_calls() == []
    assert kiosk.nav.current.message.text() == kiosk.tr("staff.undo_too_late", code=call.receipt_code)
    assert _audit(kiosk, "unacknowledge") == []


def test_another_persons_pin_under_a_wrong_name_logs_no_sign_in(kiosk: Kiosk) -> None:
    volunteers = kiosk.station.volunteers
    admin = next(p for p in volunteers.list() if p.role == "admin")
    screen = _open_pin(kiosk)
    _enter_pin(kiosk, screen, ADMIN_PIN, "王志愿")  # the volunteer's name, the admin's PIN
    assert kiosk.ctx.staff is None and kiosk.nav.current_key == ScreenKey.PIN
    assert screen.error.text() == kiosk.tr("pin.wrong")
    assert _audit(kiosk, "sign_in") == []  # nobody signed in, least of all the admin
    volunteer = next(p for p in volunteers.list() if p.name == "王志愿")
    failed = _audit(kiosk, "failed_sign_in")
    assert [(e.actor, e.target) for e in failed] == [("kiosk", f"volunteer:{volunteer.id}")]
    assert f"admin:{admin.id}" not in {e.actor for e in _audit(kiosk, "sign_in")}
