"""A pulled page is applied whole in one savepoint; when one change in it cannot apply, the page
goes again change by change: the changes before and after the bad one still apply (with their
replies), the bad one is parked, and every seq is recorded once. No hub needed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select, update

from models.schema import PulledChange, RequestState, ServiceRequest, SyncState
from models.station import KIOSK, Station
from sync import parking
from sync.apply import apply_page
from sync.protocol import Change, ChangeKind, PullResponse
from tests.sync.conftest import PASSPHRASE


def _status(seq: int, record_id: str, status: str, reply: str) -> Change:
    data = {"record_id": record_id, "status": status, "reply": reply}
    return Change(
        seq=seq, kind=ChangeKind.STATUS, ref_id=record_id, created_at=dt.datetime.now(dt.UTC), data=data
    )


def test_one_bad_change_mid_page_leaves_the_others_applied(tmp_path: Path) -> None:
    station = Station.create(tmp_path / "st", PASSPHRASE, name="整页", prefix="A01")
    try:
        a, b, c = (
            station.requests.submit("problem_report", {"description": f"第{i}件"}, KIOSK) for i in range(3)
        )
        with station.write() as session:
            session.add(SyncState(id=1, pull_cursor=0))
            session.execute(update(ServiceRequest).values(state=RequestState.SENT))
            # QUARANTINED → RECEIVED is no local transition: b's status cannot apply.
            session.execute(
                update(ServiceRequest).where(ServiceRequest.id == b.id).values(state=RequestState.QUARANTINED)
            )
        changes = [
            _status(11, a.id, "done", "路灯修好了"),
            _status(12, b.id, "received", "收到"),
            _status(13, c.id, "in_progress", "师傅明天到"),
        ]
        page = PullResponse(protocol=1, changes=changes, next_cursor=13, has_more=False)
        result = apply_page(station, page, 0)
        assert (result.applied, result.parked) == (2, 1)
        got_a, got_b, got_c = (station.requests.get(r.id) for r in (a, b, c))
        assert (got_a.state, got_a.reply) == ("DONE", "路灯修好了")  # applied before the bad one
        assert (got_c.state, got_c.reply) == ("IN_PROGRESS", "师傅明天到")  # and after it
        assert got_b.state == "QUARANTINED" and got_b.reply == ""
        assert [(p.seq, p.ref_id) for p in parking.open_parked(station)] == [(12, b.id)]
        with station.read() as session:
            assert sorted(session.execute(select(PulledChange.seq)).scalars()) == [11, 12, 13]
            state = session.get(SyncState, 1)
            assert state is not None and state.pull_cursor == 13

        # The same page again (a pass that raced another): nothing is applied or parked twice.
        again = apply_page(station, page, 13)
        assert (again.applied, again.parked) == (0, 0)
        assert len(parking.open_parked(station)) == 1
    finally:
        station.close()
