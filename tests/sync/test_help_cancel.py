""" "按错了，取消" on the kiosk keeps the mistaken help call and adds a `help_cancel` record naming it; the
hub must take that record (it is not a catalogue service) instead of refusing it, or the station
would show volunteers a refused record for every cancelled call."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from models.station import KIOSK
from sync.engine import SyncEngine
from tests.sync.conftest import EnrolledStation, Hub


@pytest.mark.parametrize("hub", ["sqlite"], indirect=True)
def test_a_cancelled_help_call_reaches_the_hub_and_nothing_is_quarantined(
    hub: Hub, enrolled: Callable[..., EnrolledStation]
) -> None:
    st = enrolled()
    call = st.station.requests.help_call(KIOSK)
    cancel = st.station.requests.submit("help_cancel", {"request_id": call.id}, KIOSK)
    report = SyncEngine(st.station).run_once()
    assert report.complete and report.quarantined == 0
    at_hub = hub.station_requests(st.name)
    assert set(at_hub) >= {call.id, cancel.id}
    assert st.station.requests.get(cancel.id).state == "SENT"
