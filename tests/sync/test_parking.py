"""One pulled change that cannot apply never blocks the feed: it is parked with its reason for a
volunteer, the cursor moves on, everything behind it applies, and a later change (or the record
becoming able to take it) resolves it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from models.schema import RequestState, ServiceRequest, SyncState
from models.station import KIOSK, Station
from sync import parking
from sync.apply import apply_page
from sync.engine import SyncEngine
from sync.outbox import requeue_quarantined
from sync.protocol import Change, ChangeKind, PullResponse
from tests.sync.conftest import PASSPHRASE, EnrolledStation, Hub


def _quarantine_locally(station: Station, request_id: str) -> None:
    """The station holds the record as QUARANTINED (say its ack was lost and a re-push was refused),
    while the hub has it and answers it."""
    with station.write() as session:
        row = session.get(ServiceRequest, request_id)
        assert row is not None
        row.state, row.quarantine_reason = RequestState.QUARANTINED, "conflict: test"


def test_unappliable_status_is_parked_and_the_feed_moves_on(
    hub: Hub, enrolled: Callable[..., EnrolledStation]
) -> None:
    from server.services.feed import ack_help_call, publish_notice

    st = enrolled()
    stuck = st.station.requests.submit("problem_report", {"description": "卡住的那件"}, KIOSK)
    other = st.station.requests.submit("problem_report", {"description": "后面的那件"}, KIOSK)
    call = st.station.requests.help_call(KIOSK)
    engine = SyncEngine(st.station)
    assert engine.run_once().complete
    _quarantine_locally(st.station, stuck.id)

    hub.set_status(stuck.id, "received")  # QUARANTINED → RECEIVED is not a local transition
    hub.set_status(other.id, "done", "已经办好了")
    with hub.session() as session:
        ack_help_call(session, hub.keys, call.id, "staff:test", "马上到")
        publish_notice(session, hub.keys, "停水通知", "明天上午停水。")
    report = engine.run_once()
    assert report.error is None and report.complete, report.error
    assert report.parked == 1 and report.pulled >= 3
    assert st.station.requests.get(other.id).reply == "已经办好了"  # the changes behind it applied
    assert st.station.requests.get(call.id).acknowledged_at is not None
    with st.station.read() as session:
        state = session.get(SyncState, 1)
        assert state is not None and state.pull_cursor == max(hub.feed_seqs(st.name))  # cursor moved on

    waiting = parking.open_parked(st.station)
    assert [(p.kind, p.ref_id, p.receipt_code) for p in waiting] == [("status", stuck.id, stuck.receipt_code)]
    assert "QUARANTINED" in waiting[0].reason
    assert engine.run_once().parked == 0  # not parked twice, not re-applied on the next pass

    requeue_quarantined(st.station, stuck.id, "volunteer:v1")  # a volunteer sends it again
    assert engine.run_once().complete  # duplicate_ack → SENT, and the parked status now applies
    assert st.station.requests.get(stuck.id).state == "RECEIVED"
    assert parking.open_parked(st.station) == []
    engine.close()


def _station_with_cursor(tmp_path: Path) -> Station:
    station = Station.create(tmp_path / "st", PASSPHRASE, name="停放", prefix="P01")
    with station.write() as session:
        session.add(SyncState(id=1, pull_cursor=0))
    return station


def _notice(seq: int, data: dict[str, object]) -> Change:
    return Change(
        seq=seq, kind=ChangeKind.NOTICE, ref_id=str(data["id"]), created_at=dt.datetime.now(dt.UTC), data=data
    )


def test_a_later_change_for_the_same_record_resolves_the_parked_one(tmp_path: Path) -> None:
    station = _station_with_cursor(tmp_path)
    try:
        broken = _notice(5, {"id": 7, "body": "没有标题"})  # no title: cannot apply
        fine = _notice(6, {"id": 8, "title": "另一条", "body": "正常"})
        first = apply_page(
            station, PullResponse(protocol=1, changes=[broken, fine], next_cursor=6, has_more=False), 0
        )
        assert (first.applied, first.parked) == (1, 1)
        [parked] = parking.open_parked(station)
        assert parked.seq == 5 and "title" in parked.reason and parked.receipt_code is None

        fixed = _notice(9, {"id": 7, "title": "停电通知", "body": "周三停电。"})
        second = apply_page(
            station, PullResponse(protocol=1, changes=[fixed], next_cursor=9, has_more=False), 6
        )
        assert second.applied == 1
        assert parking.open_parked(station) == []
        from models.schema import Notice, ParkedChange

        with station.read() as session:
            assert session.get(Notice, "7") is not None
            row = session.query(ParkedChange).one()
            assert row.resolution == "superseded by hub change #9"
            assert b"\xe6\xb2\xa1\xe6\x9c\x89" not in row.change_ct  # the kept change is encrypted
    finally:
        station.close()


def test_volunteer_can_dismiss_a_parked_change(tmp_path: Path) -> None:
    station = _station_with_cursor(tmp_path)
    try:
        apply_page(
            station,
            PullResponse(protocol=1, changes=[_notice(3, {"id": 1})], next_cursor=3, has_more=False),
            0,
        )
        [parked] = parking.open_parked(station)
        parking.dismiss(station, parked.id, "volunteer:v1")
        assert parking.open_parked(station) == [] and parking.count_open(station) == 0
        with station.read() as session:
            from sqlalchemy import select

            from models.schema import AuditEvent

            actions = list(session.execute(select(AuditEvent.action)).scalars())
        assert "dismiss_parked" in actions
    finally:
        station.close()
