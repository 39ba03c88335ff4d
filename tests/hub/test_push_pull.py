"""Push idempotency, per-item results, pull order and cursors — over real HTTP, on both backends."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from server.services import feed
from sync.client import HubClient, HubRejected
from sync.protocol import ChangeKind, HubStatus, ItemStatus, PushResponse, RecordKind
from sync.sealing import generate_hub_keypair
from tests.hub.conftest import make_envelope, make_payload
from tests.support.hubhandle import HubHandle

Make = Callable[..., HubClient]


def _statuses(results: PushResponse) -> list[str]:
    return [r.status.value for r in results.results]


def test_push_accepts_then_acks_duplicates(hub: HubHandle, station: HubClient) -> None:
    envs = [make_envelope(station.credential) for _ in range(3)]
    assert _statuses(station.push(envs)) == ["accepted"] * 3
    again = station.push(envs)
    assert _statuses(again) == ["duplicate_ack"] * 3
    assert all(r.hub_has_it for r in again.results)
    assert hub.cli("stats", "--json")[0] == 0


def test_same_id_other_content_is_a_conflict(station: HubClient) -> None:
    first = make_envelope(station.credential)
    station.push([first])
    clash = make_envelope(station.credential, record_id=first.id)  # same id, new bytes
    fresh = make_envelope(station.credential)
    result = station.push([clash, fresh])
    assert _statuses(result) == ["conflict", "accepted"]
    assert not result.results[0].hub_has_it and result.results[0].reason


def test_bad_items_are_invalid_and_do_not_block_others(station: HubClient) -> None:
    good = make_envelope(station.credential)
    bad_hash = make_envelope(station.credential).model_copy(update={"sha256": "0" * 64})
    _, stranger_key = generate_hub_keypair()
    other_hub = make_envelope(
        station.credential.__class__(**{**station.credential.__dict__, "hub_public_key": stranger_key})
    )
    no_receipt = make_envelope(station.credential, {"service": "x", "created_at": "2024-01-01T00:00:00Z"})
    result = station.push([bad_hash, good, other_hub, no_receipt])
    assert _statuses(result) == ["invalid", "accepted", "invalid", "invalid"]
    assert "sha256" in (result.results[0].reason or "")
    assert "key" in (result.results[2].reason or "")
    assert "receipt_code" in (result.results[3].reason or "")
    # An invalid item is not stored, so the fixed record can be pushed under the same id later.
    fixed = make_envelope(station.credential, record_id=no_receipt.id)
    assert _statuses(station.push([fixed])) == ["accepted"]


def test_same_id_twice_in_one_batch(station: HubClient) -> None:
    env = make_envelope(station.credential)
    other = make_envelope(station.credential, record_id=env.id)
    assert _statuses(station.push([env, env, other])) == ["accepted", "duplicate_ack", "conflict"]


def test_concurrent_pushes_of_the_same_records_store_each_once(hub: HubHandle, make_station: Make) -> None:
    station = make_station()
    envs = [make_envelope(station.credential) for _ in range(40)]
    clients = [HubClient(station.credential) for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(lambda c: c.push(envs), clients))
    for i in range(len(envs)):
        seen = [o.results[i].status for o in outcomes]
        assert seen.count(ItemStatus.ACCEPTED) == 1, seen
        assert all(s in (ItemStatus.ACCEPTED, ItemStatus.DUPLICATE_ACK) for s in seen)
    _code, out = hub.cli("requests", "list", "--json", "--station", station.credential.station_name)
    import json

    rows = json.loads(out)
    assert len(rows) == 40 and len({r["id"] for r in rows}) == 40


def test_pii_is_encrypted_at_rest(hub: HubHandle, station: HubClient) -> None:
    marker = f"独居老人{uuid.uuid4().hex[:8]}"
    payload = make_payload()
    payload["resident"] = {"name": marker, "phone": "13912345678"}
    station.push([make_envelope(station.credential, payload)])
    from sqlalchemy import text

    with hub.session() as s:
        blobs = [bytes(b) for (b,) in s.execute(text("SELECT payload_enc FROM requests"))]
    assert blobs and not any(marker.encode() in b for b in blobs)
    if hub.backend == "sqlite":
        raw = b"".join(p.read_bytes() for p in hub.home.glob("hub.sqlite3*"))
        assert marker.encode() not in raw


def test_pull_order_cursor_and_isolation(hub: HubHandle, make_station: Make) -> None:
    a, b = make_station(), make_station()
    env_a, env_b = make_envelope(a.credential), make_envelope(b.credential)
    a.push([env_a])
    b.push([env_b])
    start = a.pull(0, 500)
    while start.has_more:
        start = a.pull(start.next_cursor, 500)
    cursor = start.next_cursor
    with hub.session() as s:
        feed.update_request_status(s, hub.keys, str(env_a.id), HubStatus.RECEIVED, None, "t")
        feed.update_request_status(s, hub.keys, str(env_b.id), HubStatus.DONE, "B 的回复", "t")
    assert hub.cli("requests", "update", str(env_a.id), "--status", "done", "--reply", "已办结")[0] == 0
    assert (
        hub.cli(
            "notices",
            "publish",
            "--title",
            "停水",
            "--body",
            "周三停水",
            "--station",
            b.credential.station_name,
        )[0]
        == 0
    )
    assert hub.cli("notices", "publish", "--title", "义诊", "--body", "周五义诊")[0] == 0

    page = a.pull(cursor, 500)
    mine = [c for c in page.changes if c.kind is ChangeKind.STATUS]
    assert [c.data["status"] for c in mine] == ["received", "done"]
    assert mine[-1].data["reply"] == "已办结" and mine[-1].data["receipt_code"]
    assert all(c.ref_id != str(env_b.id) for c in page.changes)  # never B's records
    notices = [c.data["title"] for c in page.changes if c.kind is ChangeKind.NOTICE]
    assert "义诊" in notices and "停水" not in notices
    seqs = [c.seq for c in page.changes]
    assert seqs == sorted(seqs) and seqs[0] > cursor and page.next_cursor == seqs[-1]

    # Paging with a small limit yields exactly the same sequence.
    paged, cur = [], cursor
    while True:
        p = a.pull(cur, 1)
        paged += [c.seq for c in p.changes]
        cur = p.next_cursor
        if not p.has_more:
            break
    assert paged == seqs
    assert a.pull(page.next_cursor).changes == []


def test_cursor_beyond_feed_is_refused(station: HubClient) -> None:
    with pytest.raises(HubRejected) as err:
        station.pull(10**12)
    assert err.value.code == "cursor_ahead"


def test_station_cannot_overwrite_another_stations_record(hub: HubHandle, make_station: Make) -> None:
    a, b = make_station(), make_station()
    env_b = make_envelope(b.credential)
    b.push([env_b])
    hijack = make_envelope(a.credential, record_id=env_b.id)
    replay_of_b = env_b  # even B's exact bytes, pushed by A
    assert _statuses(a.push([hijack])) == ["conflict"]
    assert _statuses(a.push([replay_of_b])) == ["conflict"]
    import json

    rows = json.loads(hub.cli("requests", "list", "--json")[1])
    owner = {r["id"]: r["station"] for r in rows}
    assert owner[str(env_b.id)] == b.credential.station_name


def test_cursors_never_skip_under_concurrent_writers(hub: HubHandle, make_station: Make) -> None:
    st = make_station()
    envs = [make_envelope(st.credential) for _ in range(30)]
    st.push(envs)
    cursor = st.pull(0).next_cursor
    while (page := st.pull(cursor)).has_more:
        cursor = page.next_cursor
    cursor = page.next_cursor

    def write(env_id: str) -> None:
        with hub.session() as s:
            feed.update_request_status(s, hub.keys, env_id, HubStatus.IN_PROGRESS, None, "w")

    seen: list[int] = []
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(write, str(e.id)) for e in envs]
        while not all(f.done() for f in futures):
            page = st.pull(cursor, 7)
            seen += [c.seq for c in page.changes if c.kind is ChangeKind.STATUS]
            cursor = page.next_cursor
        for f in futures:
            f.result()
    while True:
        page = st.pull(cursor, 7)
        seen += [c.seq for c in page.changes if c.kind is ChangeKind.STATUS]
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert len(seen) == 30 and len(set(seen)) == 30  # every update exactly once


def test_help_call_ack_and_checkin_reach_the_station(hub: HubHandle, station: HubClient) -> None:
    call = make_envelope(station.credential, make_payload(service="help_call"), kind=RecordKind.HELP_CALL)
    checkin = make_envelope(
        station.credential, make_payload(service="daily_checkin"), kind=RecordKind.DAILY_CHECKIN
    )
    audit = make_envelope(
        station.credential, {"event": "unlock", "prev_hash": "0" * 64}, kind=RecordKind.AUDIT_EVENT
    )
    assert _statuses(station.push([call, checkin, audit])) == ["accepted"] * 3
    with hub.session() as s:
        feed.ack_help_call(s, hub.keys, str(call.id), "值班员", "马上到")
    page = station.pull(0)
    while page.has_more:
        page = station.pull(page.next_cursor)
    acks = [c for c in page.changes if c.kind is ChangeKind.HELP_ACK and c.ref_id == str(call.id)]
    assert len(acks) == 1 and acks[0].data["message"] == "马上到"


def test_sealed_payload_is_opaque_on_the_wire(station: HubClient) -> None:
    payload = make_payload()
    env = make_envelope(station.credential, payload)
    wire = env.model_dump_json().encode()
    assert "张秀英".encode() not in wire and b"320102195001011234" not in wire
    assert b"320102195001011234" not in base64.b64decode(env.sealed_payload)
