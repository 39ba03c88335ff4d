"""Requests: receipt codes, state machine, help calls, check-ins and what volunteers are shown."""

from __future__ import annotations

import datetime as dt

import pytest

from models.requests import InvalidTransition, transition
from models.schema import AuditEvent, RequestState, ServiceRequest
from models.station import KIOSK, Actor, Station
from tests.core.conftest import resident

VOLUNTEER = Actor("volunteer", "v9")


def test_receipt_codes_are_prefixed_and_sequential(station: Station) -> None:
    codes = [
        station.requests.submit("certificate", {"certificate_type": "residence"}, KIOSK).receipt_code
        for _ in range(3)
    ]
    assert codes == ["T01-0001", "T01-0002", "T01-0003"]


def test_draft_is_encrypted_then_submitted_with_its_id(station: Station) -> None:
    draft = station.requests.save_draft("problem_report", {"description": "写到一半"})
    station.requests.save_draft("problem_report", {"description": "写完了"}, draft_id=draft)
    assert station.requests.get(draft).state == "DRAFT" and station.requests.get(draft).receipt_code is None
    done = station.requests.submit("problem_report", {"description": "写完了"}, KIOSK, draft_id=draft)
    assert done.id == draft and done.state == "QUEUED" and done.fields == {"description": "写完了"}
    with pytest.raises(InvalidTransition):
        station.requests.save_draft("problem_report", {}, draft_id=draft)


def test_submit_returns_what_reading_it_back_gives(station: Station) -> None:
    """`submit` builds its answer from what it wrote (Core statements, no re-read): it must equal the
    stored record, for a new request and for a draft (which keeps its id, service and creation
    time); a request submitted twice is refused without taking a number; a volunteer's is audited."""
    rid = station.residents.add(resident(3), VOLUNTEER)
    fields = {"description": "路灯不亮", "day": dt.date(2026, 11, 28), "floors": (1, 2)}
    fresh = station.requests.submit("problem_report", fields, VOLUNTEER, resident_id=rid, urgent=True)
    assert fresh == station.requests.get(fresh.id)
    assert fresh.fields == {"description": "路灯不亮", "day": "2026-11-28", "floors": [1, 2]}
    assert (fresh.receipt_code, fresh.state, fresh.urgent) == ("T01-0001", "QUEUED", True)
    draft = station.requests.save_draft("certificate", {"certificate_type": "residence"}, resident_id=rid)
    created = station.requests.get(draft).created_at
    done = station.requests.submit("certificate", {"certificate_type": "income"}, KIOSK, draft_id=draft)
    assert done == station.requests.get(draft)
    assert (done.id, done.created_at, done.receipt_code) == (draft, created, "T01-0002")
    with pytest.raises(InvalidTransition):
        station.requests.submit("certificate", {}, KIOSK, draft_id=draft)
    assert station.requests.submit("rating", {"score": 5}, KIOSK).receipt_code == "T01-0003"
    with station.read() as session:
        targets = [e.target for e in session.query(AuditEvent).filter_by(action="submit")]
    assert targets == [f"request:{fresh.id}"]  # the volunteer's; the kiosk's own are not audited


def test_state_machine_refuses_skips(station: Station) -> None:
    rec = station.requests.submit("problem_report", {}, KIOSK)
    with station.write() as session:
        row = session.get(ServiceRequest, rec.id)
        assert row is not None
        with pytest.raises(InvalidTransition):
            transition(row, RequestState.DONE)  # the hub never saw it
        transition(row, RequestState.SENT)
        transition(row, RequestState.IN_PROGRESS)
        transition(row, RequestState.DONE)
        assert row.closed_at is not None


def test_hub_status_applied_once_and_in_order(station: Station) -> None:
    rec = station.requests.submit("problem_report", {}, KIOSK)
    with station.write() as session:
        assert station.requests.apply_hub_status(session, rec.id, "RECEIVED", None, hub_seq=5)
        assert not station.requests.apply_hub_status(
            session, rec.id, "DONE", "旧消息", hub_seq=4
        )  # older: ignored
        assert station.requests.apply_hub_status(session, rec.id, "DONE", "办好了", hub_seq=9)
    answered = station.requests.get(rec.id)
    assert answered.state == "DONE" and answered.reply == "办好了" and answered.status_key == "done"


def test_help_calls_urgent_and_assist(station: Station) -> None:
    urgent = station.requests.help_call(KIOSK)
    assist = station.requests.help_call(KIOSK, note="assist:identify", urgent=False)
    assert urgent.urgent and not assist.urgent
    assert [r.id for r in station.requests.open_help_calls()] == [urgent.id, assist.id]
    station.requests.acknowledge_help(urgent.id, VOLUNTEER)
    assert [r.id for r in station.requests.open_help_calls()] == [assist.id]


def test_missing_checkins_respect_deadline_and_are_read_in_one_audit(station: Station) -> None:
    alone = [station.residents.add(resident(i, living_alone=True), VOLUNTEER) for i in range(3)]
    station.residents.add(resident(7, living_alone=False), VOLUNTEER)
    station.requests.checkin(alone[0], KIOSK)
    today = dt.date.today()
    early = dt.datetime.combine(today, dt.time(7, 0))
    late = dt.datetime.combine(today, dt.time(23, 0))
    assert station.requests.missing_checkins(today, 10, now=early) == []
    missing = station.requests.missing_checkins(today, 10, now=late)
    assert set(missing) == set(alone[1:])
    with station.read() as session:
        before = session.query(AuditEvent).count()
    people = station.residents.get_many(missing, VOLUNTEER)
    assert [p.id for p in people] == missing and all(p.living_alone for p in people)
    with station.read() as session:
        assert session.query(AuditEvent).count() == before + 1


def test_for_resident_lists_only_their_requests(station: Station) -> None:
    a = station.residents.add(resident(1), VOLUNTEER)
    b = station.residents.add(resident(2), VOLUNTEER)
    mine = station.requests.submit("pension_inquiry", {"topic": "pension_paid"}, KIOSK, resident_id=a)
    station.requests.submit("pension_inquiry", {"topic": "pension_paid"}, KIOSK, resident_id=b)
    station.requests.checkin(a, KIOSK)  # check-ins are not "办件"
    assert [r.id for r in station.requests.for_resident(a)] == [mine.id]
