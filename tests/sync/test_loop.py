"""The kiosk's background sync loop: jittered back-off, 立即同步, and an honest status snapshot."""

from __future__ import annotations

import random
from collections.abc import Callable

from models.station import KIOSK
from sync.engine import SyncEngine
from sync.loop import MAX_DELAY_S, SyncLoop, SyncSnapshot, backoff_delay
from tests.support.polling import wait_until
from tests.sync.conftest import EnrolledStation, Hub


def test_backoff_doubles_with_full_jitter_and_caps() -> None:
    rng = random.Random(1)
    assert backoff_delay(0, rng) == 0.0
    for failures, ceiling in [(1, 1), (2, 2), (3, 4), (6, 32), (11, 600), (40, 600)]:
        samples = [backoff_delay(failures, rng) for _ in range(200)]
        assert min(samples) >= 0 and max(samples) <= ceiling
        assert max(samples) > ceiling * 0.8  # jitter spans the whole window
    assert max(backoff_delay(99, rng) for _ in range(100)) <= MAX_DELAY_S


def test_loop_syncs_in_background_and_wakes_on_trigger(
    hub: Hub, enrolled: Callable[..., EnrolledStation]
) -> None:
    st = enrolled()
    snapshots: list[SyncSnapshot] = []
    loop = SyncLoop(st.station, on_change=snapshots.append, idle_interval=3600)
    loop.start()
    try:
        wait_until(lambda: loop.snapshot.online and not loop.snapshot.syncing)
        assert loop.snapshot.last_success is not None and loop.snapshot.waiting == 0
        rec = st.station.requests.submit("problem_report", {"description": "楼道灯坏了"}, KIOSK)
        assert st.station.requests.count_waiting() == 1
        loop.trigger()  # 立即同步: without it the loop would sleep for an hour
        wait_until(lambda: st.station.requests.get(rec.id).state == "SENT")
        wait_until(lambda: loop.snapshot.waiting == 0 and not loop.snapshot.syncing)
    finally:
        loop.stop()
    assert any(s.syncing for s in snapshots) and snapshots[-1].online


def test_loop_reports_offline_and_backs_off(enrolled: Callable[..., EnrolledStation]) -> None:
    st = enrolled()
    st.station.requests.submit("problem_report", {"description": "没网的时候提交"}, KIOSK)
    engine = SyncEngine(st.station, hub_url="http://127.0.0.1:9")  # nothing listens there
    loop = SyncLoop(st.station, engine=engine, rng=random.Random(3))
    loop.start()
    try:
        wait_until(lambda: loop.snapshot.failures >= 1 and not loop.snapshot.syncing)
        snap = loop.snapshot
        assert not snap.online and snap.waiting == 1 and snap.last_error
        assert 0 <= snap.next_attempt_in <= 1.0  # first retry within the 1 s window
    finally:
        loop.stop()
    assert st.station.requests.count_waiting() == 1  # nothing lost, nothing claimed as sent
