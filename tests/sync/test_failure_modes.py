"""Every failure mode docs/sync-protocol.md names, against a scripted fake hub over real HTTP: the
station either keeps going (retryable: nothing is marked sent, it backs off and tries again) or stops
with a plain-words state (a refusal only a person can fix) — never a record lost, never one blocking
the others, never a loop that retries a refusal forever.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from models.station import KIOSK, Station
from sync.engine import SERVER_FAILURE_TRIES, SyncEngine
from sync.loop import SyncLoop
from sync.outbox import note_server_failure, requeue_quarantined
from sync.protocol import PROTOCOL_VERSION
from tests.support.fakehub import (
    Answer,
    FakeHub,
    FakeStation,
    Seen,
    accept_all,
    as_json,
    empty_feed,
    error,
    fake_station,
    healthy,
)
from tests.support.polling import wait_until
from tests.sync.conftest import PASSPHRASE


@pytest.fixture
def fake() -> Iterator[FakeHub]:
    with FakeHub() as hub:
        yield hub


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One station made once; each test starts from a copy (creating one costs seconds)."""
    folder = tmp_path_factory.mktemp("template") / "station"
    Station.create(folder, PASSPHRASE, name="假中心测试站", prefix="F01").close()
    return folder


@pytest.fixture
def st(fake: FakeHub, tmp_path: Path, template: Path) -> Iterator[FakeStation]:
    yield from fake_station(tmp_path / "station", fake, PASSPHRASE, template=template)


def _submit(station: Station, n: int) -> list[str]:
    return [
        station.requests.submit("problem_report", {"description": f"第{i}件"}, KIOSK).id for i in range(n)
    ]


def _states(station: Station, ids: list[str]) -> set[str]:
    return {station.requests.get(i).state for i in ids}


# --- refusals that stop the loop ---------------------------------------------------------------

STOPS = [
    (error(403, "station_revoked"), "revoked"),
    (error(401, "unknown_station"), "unknown_station"),
    (error(401, "bad_signature"), "bad_credential"),
    (error(401, "bad_timestamp"), "refused"),
    (error(401, "bad_nonce"), "refused"),
    (error(400, "unsupported_protocol"), "upgrade"),
    (as_json({"protocol": PROTOCOL_VERSION + 1, "results": []}), "upgrade"),  # the hub speaks v2
]


@pytest.mark.parametrize(("answer", "state"), STOPS, ids=[s for _a, s in STOPS])
def test_refusal_stops_the_loop_in_plain_words(
    fake: FakeHub, st: FakeStation, answer: Answer, state: str
) -> None:
    ids = _submit(st.station, 3)
    fake.answer(lambda _seen: answer)
    loop = SyncLoop(st.station, idle_interval=3600)
    loop.start()
    try:
        wait_until(lambda: loop.snapshot.stopped is not None)
        snap = loop.snapshot
        assert snap.stopped == state and not snap.online and not snap.syncing and snap.waiting == 3
        asked = len(fake.requests)
        time.sleep(1.2)  # back-off after one failure is at most 1 s: a retrying loop would have asked again
        assert len(fake.requests) == asked, "a refused station kept retrying"
        assert len(fake.seen("/v1/push")) == 1  # refused as a whole: never bisected into quarantine
        fake.answer(healthy)
        loop.trigger()  # 立即同步: a person asked, so one more pass runs — and now goes through
        wait_until(lambda: loop.snapshot.stopped is None and loop.snapshot.waiting == 0)
    finally:
        loop.stop()
    assert _states(st.station, ids) == {"SENT"}
    assert all(s.signed_ok for s in fake.requests)  # every request carried a valid station signature


def test_not_enrolled_stops_with_a_state(tmp_path: Path) -> None:
    station = Station.create(tmp_path / "lonely", PASSPHRASE, name="未加入", prefix="N01")
    loop = SyncLoop(station)
    loop.start()
    try:
        wait_until(lambda: loop.snapshot.stopped is not None)
        assert loop.snapshot.stopped == "not_enrolled" and not loop.snapshot.enrolled
    finally:
        loop.stop()
        station.close()


def test_stop_states_have_words_in_every_locale() -> None:
    from sync.loop import STOP_STATES
    from ui import i18n

    assert i18n.tr("zh_CN", "sync.stopped.revoked") == "本站已被中心停用，请联系管理员"
    for locale in i18n.LOCALES:
        for state in STOP_STATES:
            assert f"sync.stopped.{state}" in i18n.strings(locale), (locale, state)


# --- answers that are not the protocol: nothing counts, retry later ----------------------------

NOT_PROTOCOL = {
    "redirect": Answer(302, b"", "text/html", {"Location": "http://portal.example/login"}),
    "malformed_json": Answer(200, b'{"protocol": 1, "results": [', "application/json"),
    "html_200": Answer(200, b"<html>login</html>", "text/html"),
    "results_missing_one": None,
    "results_reordered": None,
    "results_extra_id": None,
}


def _mismatched(kind: str) -> Callable[[Seen], Answer]:
    def answer(seen: Seen) -> Answer:
        ids = seen.item_ids
        if kind == "results_missing_one":
            ids = ids[:-1]
        elif kind == "results_reordered":
            ids = list(reversed(ids))
        elif kind == "results_extra_id":
            ids = [*ids, "00000000-0000-4000-8000-000000000000"]
        return as_json(
            {"protocol": PROTOCOL_VERSION, "results": [{"id": i, "status": "accepted"} for i in ids]}
        )

    return answer


@pytest.mark.parametrize("kind", list(NOT_PROTOCOL))
def test_answer_that_is_not_the_protocol_acknowledges_nothing(
    fake: FakeHub, st: FakeStation, kind: str
) -> None:
    ids = _submit(st.station, 3)
    canned = NOT_PROTOCOL[kind]
    fake.answer((lambda _s: canned) if canned is not None else _mismatched(kind))
    engine = SyncEngine(st.station)
    report = engine.run_once()  # retryable: no exception, the pass just is not complete
    assert not report.complete and report.error and report.waiting > 0
    assert _states(st.station, ids) == {"QUEUED"}  # not one item marked sent
    fake.answer(healthy)
    assert engine.run_once().complete and _states(st.station, ids) == {"SENT"}
    engine.close()


# --- temporary failures: back off (honouring Retry-After), never bisect -----------------------


def test_429_retry_after_sets_the_next_attempt(fake: FakeHub, st: FakeStation) -> None:
    _submit(st.station, 1)
    fake.answer(lambda _s: error(429, "rate_limited", "slow down", **{"Retry-After": "120"}))
    loop = SyncLoop(st.station, idle_interval=3600)
    loop.start()
    try:
        wait_until(lambda: loop.snapshot.failures >= 1 and not loop.snapshot.syncing)
        snap = loop.snapshot
        assert snap.stopped is None and 120 <= snap.next_attempt_in <= 121  # not the 1 s back-off
    finally:
        loop.stop()


@pytest.mark.parametrize("status", [408, 429])
def test_timeouts_and_rate_limits_are_retried_whole(fake: FakeHub, st: FakeStation, status: int) -> None:
    ids = _submit(st.station, 4)
    fake.answer(lambda s: error(status, "try_later") if s.path == "/v1/push" else empty_feed(s))
    engine = SyncEngine(st.station)
    for _ in range(SERVER_FAILURE_TRIES + 2):
        assert not engine.run_once().complete
    sizes = {len(s.item_ids) for s in fake.seen("/v1/push")}
    assert len(sizes) == 1, "a 408/429 batch was split; only the hub failing on it (5xx) may split it"
    assert _states(st.station, ids) == {"QUEUED"}
    engine.close()


# --- a batch that must be split ---------------------------------------------------------------


def test_413_splits_the_batch_until_it_fits(fake: FakeHub, st: FakeStation) -> None:
    ids = _submit(st.station, 9)
    fake.answer(lambda s: error(413, "payload_too_large") if len(s.item_ids) > 2 else healthy(s))
    report = SyncEngine(st.station).run_once()
    assert report.complete and report.quarantined == 0
    assert _states(st.station, ids) == {"SENT"}
    assert max(len(s.item_ids) for s in fake.seen("/v1/push")) > 2  # it did try the whole batch first


def test_refused_batch_is_bisected_to_the_one_bad_record(fake: FakeHub, st: FakeStation) -> None:
    ids = _submit(st.station, 8)
    bad = ids[5]
    fake.answer(lambda s: error(422, "validation_error", "items.5: bad") if bad in s.item_ids else healthy(s))
    report = SyncEngine(st.station).run_once()
    assert report.complete and report.quarantined == 1
    assert st.station.requests.get(bad).state == "QUARANTINED"
    assert "items.5: bad" in (st.station.requests.get(bad).quarantine_reason or "")
    assert _states(st.station, [i for i in ids if i != bad]) == {"SENT"}


def test_per_item_conflict_quarantines_only_that_item(fake: FakeHub, st: FakeStation) -> None:
    ids = _submit(st.station, 4)

    def answer(seen: Seen) -> Answer:
        if seen.path != "/v1/push":
            return healthy(seen)
        results = [
            {"id": i, "status": "conflict", "reason": "id taken by other content"}
            if i == ids[1]
            else {"id": i, "status": "duplicate_ack"}
            for i in seen.item_ids
        ]
        return as_json({"protocol": PROTOCOL_VERSION, "results": results})

    fake.answer(answer)
    report = SyncEngine(st.station).run_once()
    assert report.complete and report.quarantined == 1
    assert st.station.requests.get(ids[1]).state == "QUARANTINED"
    assert "conflict" in (st.station.requests.get(ids[1]).quarantine_reason or "")
    assert _states(st.station, [ids[0], *ids[2:]]) == {"SENT"}


def test_batch_the_hub_keeps_failing_on_is_bisected_after_n_tries(fake: FakeHub, st: FakeStation) -> None:
    ids = _submit(st.station, 6)
    poison = ids[2]
    fake.answer(lambda s: error(500, "internal_error") if poison in s.item_ids else healthy(s))
    engine = SyncEngine(st.station)
    for _ in range(SERVER_FAILURE_TRIES - 1):
        report = engine.run_once()
        assert not report.complete and report.quarantined == 0
        assert _states(st.station, ids) == {"QUEUED"}  # tried whole: the hub may just be restarting
    report = engine.run_once()
    assert report.quarantined == 1 and report.complete
    row = st.station.requests.get(poison)
    assert row.state == "QUARANTINED" and "500" in (row.quarantine_reason or "")
    assert _states(st.station, [i for i in ids if i != poison]) == {"SENT"}
    engine.close()


def test_a_record_the_hub_always_fails_on_is_quarantined_across_once_runs(
    fake: FakeHub, st: FakeStation
) -> None:
    """`yizhan sync --once` from cron makes a new engine every run: the count of server failures in a
    row must outlive it, or the record the hub chokes on (and every record batched with it) is tried
    whole forever."""
    ids = _submit(st.station, 4)
    poison = ids[1]
    fake.answer(lambda s: error(500, "internal_error") if poison in s.item_ids else healthy(s))
    for _ in range(SERVER_FAILURE_TRIES - 1):
        engine = SyncEngine(st.station)  # one engine per run, as `--once` does
        assert engine.run_once().quarantined == 0
        engine.close()
    engine = SyncEngine(st.station)
    report = engine.run_once()
    engine.close()
    assert report.quarantined == 1 and report.complete
    assert st.station.requests.get(poison).state == "QUARANTINED"
    assert _states(st.station, [i for i in ids if i != poison]) == {"SENT"}
    # 重新发送 gives it a fresh count: the next failure is its first, not its fourth
    requeue_quarantined(st.station, poison, "volunteer:test")
    assert note_server_failure(st.station, [uuid.UUID(poison)]) == {uuid.UUID(poison): 1}


OUTAGES: dict[str, Callable[[Seen], Answer]] = {
    "everything_503": lambda _s: Answer(503, b"<html>maintenance</html>", "text/html"),
    "every_push_500": lambda s: error(500, "internal_error") if s.path == "/v1/push" else healthy(s),
}


@pytest.mark.parametrize("outage", list(OUTAGES))
def test_a_hub_that_is_simply_down_quarantines_nothing(fake: FakeHub, st: FakeStation, outage: str) -> None:
    ids = _submit(st.station, 5)
    fake.answer(OUTAGES[outage])
    engine = SyncEngine(st.station)
    for _ in range(SERVER_FAILURE_TRIES + 3):
        report = engine.run_once()
        assert not report.complete and report.quarantined == 0
    assert _states(st.station, ids) == {"QUEUED"}
    engine.close()


# --- clock offset learnt once per loop ---------------------------------------------------------


def test_one_client_per_engine_keeps_the_learnt_clock_offset(fake: FakeHub, st: FakeStation) -> None:
    from sync.client import HubClient, StationCredential

    hub_ahead = int(time.time()) + 5000
    fake.script(
        lambda _s: error(401, "clock_skew", "check the clock", **{"X-Yizhan-Hub-Time": str(hub_ahead)})
    )
    made: list[HubClient] = []

    def factory(credential: StationCredential, url: str | None) -> HubClient:
        made.append(HubClient(credential, hub_url=url))
        return made[-1]

    engine = SyncEngine(st.station, client_factory=factory)
    loop = SyncLoop(st.station, engine=engine, idle_interval=0.05)
    loop.start()
    try:
        wait_until(lambda: len(fake.seen("/v1/pull")) >= 3)
    finally:
        loop.stop()
    assert len(made) == 1
    stamps = [int(s.headers["X-Yizhan-Timestamp"]) for s in fake.requests]
    assert abs(stamps[0] - time.time()) < 60  # the first request, refused for its clock
    assert all(abs(ts - hub_ahead) < 60 for ts in stamps[1:])  # every later pass kept the hub's time


def test_accept_all_duplicate_ack_counts_as_sent(fake: FakeHub, st: FakeStation) -> None:
    ids = _submit(st.station, 2)
    fake.answer(lambda s: accept_all(s, "duplicate_ack") if s.path == "/v1/push" else empty_feed(s))
    assert SyncEngine(st.station).run_once().complete
    assert _states(st.station, ids) == {"SENT"}
