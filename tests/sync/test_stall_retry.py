"""An answer that stalls (no byte for the client's stall timeout) is tried again within the pass, a
bounded number of times: one slow answer from a loaded hub no longer ends a long pass half-way
(bench/sync.py once stopped at 4,500 of 10,000 records), and a hub that always stalls still ends
the pass, for the loop's back-off, instead of holding it forever."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from models.station import KIOSK
from sync import engine as engine_module
from sync.client import HubClient, StationCredential
from sync.engine import IN_PASS_RETRIES, SyncEngine
from tests.support.fakehub import Answer, FakeHub, Seen, fake_station, healthy
from tests.sync.conftest import PASSPHRASE

STALL_S = 0.3  # the client's stall timeout in this test; the fake hub sleeps past it


def _quick_client(credential: StationCredential, hub_url: str | None) -> HubClient:
    return HubClient(credential, hub_url=hub_url, stall_timeout=STALL_S)


class Stalls:
    """Answers like a healthy hub, but sleeps past the stall timeout first on chosen requests."""

    def __init__(self) -> None:
        self.stall = {"/v1/push": 1, "/v1/pull": 1}  # how many of each still to stall
        self._lock = threading.Lock()

    def __call__(self, seen: Seen) -> Answer:
        with self._lock:
            left = self.stall.get(seen.path, 0)
            if left:
                self.stall[seen.path] = left - 1
        if left:
            time.sleep(STALL_S * 3)  # the station has given up on this answer by now
        return healthy(seen)


def test_a_stalled_push_and_pull_are_tried_again_within_the_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "IN_PASS_PAUSE_S", 0.01)
    with FakeHub() as fake:
        for st in fake_station(tmp_path / "station", fake, PASSPHRASE):  # yields once, closes after
            ids = [
                st.station.requests.submit("problem_report", {"description": f"第{i}件"}, KIOSK).id
                for i in range(3)
            ]
            stalls = Stalls()
            fake.answer(stalls)
            engine = SyncEngine(st.station, client_factory=_quick_client)
            report = engine.run_once()
            assert report.complete and report.error is None, report.error
            assert {st.station.requests.get(i).state for i in ids} == {"SENT"}
            pushes = fake.seen("/v1/push")
            assert len(pushes) == 2 and pushes[0].item_ids == pushes[1].item_ids  # the same batch again
            assert len(fake.seen("/v1/pull")) >= 2

            # A hub that always stalls: the pass ends after the bounded tries, nothing marked sent.
            late = st.station.requests.submit("problem_report", {"description": "又一件"}, KIOSK).id
            stalls.stall["/v1/push"] = 10**6
            report = engine.run_once()
            assert not report.complete and report.error and "stalled" in report.error
            assert len(fake.seen("/v1/push")) == 2 + IN_PASS_RETRIES + 1
            assert st.station.requests.get(late).state == "QUEUED"
            engine.close()
