"""A paper ledger's status and reply are honoured by the real hub: imported rows pushed over HTTP
become that status by "paper ledger" with the ledger's reply, count on the ledger date in the
statistics rollups (equal to a recount), and the station hears the status back on its next pull."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from server.db.console_models import RequestStats
from server.db.models import RequestHistory, ServiceRequest, Station
from server.services import ledger_intake
from sync.engine import SyncEngine
from tests.console.conftest import ConsoleHub, EnrolledStation, login_session
from tests.console.ledgers import import_for_resident
from tests.console.rollup_check import assert_rollups_match


def test_ledger_status_and_reply_applied_by_the_hub(
    hub: ConsoleHub, make_station: Callable[[ConsoleHub], EnrolledStation]
) -> None:
    st = make_station(hub)
    ledger = [
        "2025-03-18,problem_report,{id},road_light,村口路灯不亮了,done,已修好",
        "2025-04-02,certificate,{id},,,rejected,材料不全请补交",
        "2025-04-03,certificate,{id},,,in_progress,",
        "2025-04-05,problem_report,{id},other,下水道堵了,,",
    ]
    import_for_resident(st, 611, ledger)
    first = SyncEngine(st.station).run_once()
    assert first.complete, repr(first)
    # The topics page, as staff open it: the pushed requests' topic words count from then on.
    assert login_session(hub, "guanli").get(hub.url + "/console/topics", timeout=30).ok
    with hub.session() as session:
        sid = session.scalars(select(Station.id).where(Station.name == st.name)).one()
        rows = session.scalars(select(ServiceRequest).where(ServiceRequest.station_id == sid)).all()
        stats = {
            s.request_id: s
            for s in session.scalars(select(RequestStats).where(RequestStats.station_id == sid))
        }
        by_day = {stats[r.id].day: r for r in rows}
        assert sorted(by_day) == [
            dt.date(2025, 3, 18),
            dt.date(2025, 4, 2),
            dt.date(2025, 4, 3),
            dt.date(2025, 4, 5),
        ]
        want = {
            dt.date(2025, 3, 18): ("done", "已修好"),
            dt.date(2025, 4, 2): ("rejected", "材料不全请补交"),
            dt.date(2025, 4, 3): ("in_progress", None),
            dt.date(2025, 4, 5): ("new", None),  # no status in the ledger: staff take it from here
        }
        for day, (status, reply) in want.items():
            req = by_day[day]
            got = hub.keys.decrypt_json(req.reply_enc, f"requests/reply/{req.id}") if req.reply_enc else None
            assert (req.status, got) == (status, reply), day
            actors = session.scalars(select(RequestHistory.actor).where(RequestHistory.request_id == req.id))
            assert list(actors) == ([] if status == "new" else [ledger_intake.ACTOR])
            # Counted on the ledger date, closed when the ledger says so, no office timing.
            assert (stats[req.id].closed_at is not None) == (status in ("done", "rejected"))
            assert stats[req.id].first_h is None and stats[req.id].close_h is None
        assert_rollups_match(session.connection(), [sid], {r.id: stats[r.id].day for r in rows})
    # The station pulls the hub's answer: the ledger's status and reply, now from the hub.
    assert SyncEngine(st.station).run_once().complete
    mine = {r.fields["ledger_date"]: r for r in st.station.requests.list() if r.fields.get("imported")}
    assert mine["2025-03-18"].state == "DONE" and mine["2025-03-18"].reply == "已修好"
    assert mine["2025-04-02"].state == "REJECTED" and mine["2025-04-02"].reply == "材料不全请补交"
    assert mine["2025-04-03"].state == "IN_PROGRESS"
