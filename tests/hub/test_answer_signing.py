"""Stations trust only their hub's answers (issue 10 §2), against a man in the middle on plain HTTP.

Attack reproduced: a proxy between a real station and the real hub adds a forged notice (a scam
asking residents to hand over bank cards) and a forged REJECTED reply with a scam phone number,
with sequence numbers ahead of the hub's so a real notice would be skipped; and rewrites push
results. The station must apply nothing, keep its cursor, mark nothing, and afterwards — on a
clean path — receive the real notice. Enrolment through the proxy with a swapped key is refused.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from models.schema import Notice, OutboxItem, PulledChange, SyncState
from models.schema import ServiceRequest as StationRequest
from models.station import KIOSK, Actor, Station
from sync.answer_signing import generate_signing_key
from sync.client import EnrolmentRefused, HubClient, UnverifiedAnswer, check_hub_address, enrol
from sync.credentials import load_credential, save_credential
from sync.engine import SyncEngine
from sync.sealing import generate_hub_keypair
from tests.hub.conftest import unique_name
from tests.support.faultproxy import FaultProxy
from tests.support.hubhandle import HubHandle

SCAM = "请今天把银行卡和密码交给上门的工作人员核验"
SCAM_PHONE = "请拨打 400-000-0000 办理退款"


@pytest.fixture
def station(hub: HubHandle, tmp_path: Path) -> Iterator[Station]:
    name = unique_name("M")
    st = Station.create(tmp_path / "st", "mitm test passphrase", name=name, prefix=f"M{name[1:4]}")
    save_credential(st, enrol(hub.url, hub.enrol_code(name)), Actor("admin", "test"))
    yield st
    st.close()


def _forge_pull(record_id: str) -> Callable[[str, str, int, bytes], bytes | None]:
    def rewrite(method: str, path: str, status: int, body: bytes) -> bytes | None:
        if not path.startswith("/v1/pull") or status != 200:
            return None
        page = json.loads(body)
        top = max([c["seq"] for c in page["changes"]] + [page["next_cursor"]]) + 50
        stamp = "2026-01-01T00:00:00+00:00"
        page["changes"] += [
            {
                "seq": top,
                "kind": "notice",
                "ref_id": "9999",
                "created_at": stamp,
                "data": {"id": 9999, "title": "紧急通知", "body": SCAM, "published_at": stamp},
            },
            {
                "seq": top + 1,
                "kind": "status",
                "ref_id": record_id,
                "created_at": stamp,
                "data": {
                    "record_id": record_id,
                    "receipt_code": "X",
                    "status": "rejected",
                    "reply": SCAM_PHONE,
                    "updated_at": stamp,
                },
            },
        ]
        page["next_cursor"], page["has_more"] = top + 1, False
        return json.dumps(page, ensure_ascii=False).encode()

    return rewrite


def _forge_push(method: str, path: str, status: int, body: bytes) -> bytes | None:
    if path != "/v1/push" or status != 200:
        return None
    answer = json.loads(body)
    for result in answer["results"]:
        result["status"], result["reason"] = "invalid", SCAM_PHONE
    return json.dumps(answer, ensure_ascii=False).encode()


def _cursor_and_seqs(st: Station) -> tuple[int, set[int]]:
    with st.read() as session:
        state = session.get(SyncState, 1)
        assert state is not None
        return state.pull_cursor, set(session.scalars(select(PulledChange.seq)))


def _notices(st: Station) -> list[tuple[str, str]]:
    with st.read() as session:
        return [(n.title, n.body) for n in session.scalars(select(Notice))]


@pytest.mark.parametrize("hub", ["sqlite"], indirect=True)
def test_forged_answers_are_not_applied_and_skip_nothing(hub: HubHandle, station: Station) -> None:
    first = station.requests.submit(
        "problem_report", {"category": "water_power", "description": "路灯坏了"}, KIOSK
    )
    assert SyncEngine(station).run_once().complete
    hub.run("notices", "publish", "--title", "停水通知", "--body", "周三上午九点到十二点停水")
    second = station.requests.submit(
        "problem_report", {"category": "road_light", "description": "路面塌了"}, KIOSK
    )
    cursor_before, seqs_before = _cursor_and_seqs(station)

    host, port = "127.0.0.1", hub.process.port
    with FaultProxy(host, port, rewrite=_forge_push) as push_mitm:
        report = SyncEngine(station, hub_url=push_mitm.url).run_once()
    assert push_mitm.tampered >= 1 and not report.complete
    with station.read() as session:
        item = session.scalars(select(OutboxItem).where(OutboxItem.request_id == second.id)).one()
        assert item.state == "QUEUED"  # neither quarantined by the forged "invalid" nor marked sent

    with FaultProxy(host, port, rewrite=_forge_pull(first.id)) as pull_mitm:
        report = SyncEngine(station, hub_url=pull_mitm.url).run_once()
    assert pull_mitm.tampered >= 1
    assert not report.complete and report.error and "tampered" in report.error
    assert _cursor_and_seqs(station) == (cursor_before, seqs_before)  # cursor unchanged, nothing recorded
    assert all(SCAM not in body for _t, body in _notices(station))
    with station.read() as session:
        row = session.get(StationRequest, first.id)
        assert row is not None and row.state != "REJECTED" and row.reply_ct is None

    # On a clean path the real notice arrives (not skipped by the forged sequence numbers) and the
    # second record is acknowledged.
    clean = SyncEngine(station).run_once()
    assert clean.complete, clean.error
    assert ("停水通知", "周三上午九点到十二点停水") in _notices(station)
    assert all(SCAM not in body for _t, body in _notices(station))
    assert second.id in hub.station_requests(station.settings()["station_name"])


@pytest.mark.parametrize("hub", ["sqlite"], indirect=True)
def test_answer_signed_by_another_key_is_refused(hub: HubHandle, station: Station) -> None:
    cred = load_credential(station)
    assert cred is not None
    stranger = cred.__class__(**{**cred.__dict__, "hub_signing_keys": (generate_signing_key()[1],)})
    with HubClient(stranger) as client, pytest.raises(UnverifiedAnswer):
        client.pull(0)
    with HubClient(cred) as client:
        assert client.pull(0).next_cursor >= 0


@pytest.mark.parametrize("hub", ["sqlite"], indirect=True)
def test_enrolment_with_a_swapped_key_is_refused_and_the_code_never_travels(hub: HubHandle) -> None:
    attacker_key = base64.b64encode(generate_hub_keypair()[1]).decode()

    def swap(method: str, path: str, status: int, body: bytes) -> bytes | None:
        if path != "/v1/enrol" or status != 200:
            return None
        answer = json.loads(body)
        answer["hub_public_key"] = attacker_key
        return json.dumps(answer).encode()

    code = hub.enrol_code(unique_name("M"))
    with FaultProxy("127.0.0.1", hub.process.port, rewrite=swap, record=True) as mitm:
        with pytest.raises(EnrolmentRefused, match="not bound to this enrolment code"):
            enrol(mitm.url, code)
        assert mitm.tampered == 1
        wire = b"".join(mitm.requests)
    for form in (code, code.replace("-", "")):
        assert form.encode() not in wire


def test_plain_http_is_refused_except_on_loopback() -> None:
    for url in ("http://hub.example.cn", "http://192.168.1.20:8730", "ftp://hub"):
        with pytest.raises(EnrolmentRefused):
            check_hub_address(url)
    for url in ("https://hub.example.cn", "http://127.0.0.1:8730", "http://localhost:1", "http://[::1]:80"):
        check_hub_address(url)
    check_hub_address("http://192.168.1.20:8730", insecure_http=True)


@pytest.mark.slow
def test_signing_key_rotation_is_vouched_for_by_the_pinned_key(tmp_path: Path) -> None:
    from tests.support.hubhandle import started_hub

    with started_hub("sqlite", prefix="yizhan-rotation-") as own:
        st = Station.create(tmp_path / "rot", "rotation passphrase", name="轮换站", prefix="R01")
        save_credential(st, enrol(own.url, own.enrol_code("轮换站")), Actor("admin", "test"))
        late = enrol(own.url, own.enrol_code("迟到站"))  # never syncs during the rotation
        before = load_credential(st)
        assert before is not None and len(before.hub_signing_keys) == 1
        try:
            own.run("signing-key", "rotate")
            own.process.restart()
            assert SyncEngine(st).run_once().complete
            during = load_credential(st)
            assert during is not None and len(during.hub_signing_keys) == 2
            assert before.hub_signing_keys[0] in during.hub_signing_keys

            own.run("signing-key", "retire")
            own.process.restart()
            assert SyncEngine(st).run_once().complete
            after = load_credential(st)
            assert after is not None and after.hub_signing_keys == (during.hub_signing_keys[0],)
            # A station that never saw the announcement cannot verify the new key: enrol it again.
            with HubClient(late) as client, pytest.raises(UnverifiedAnswer):
                client.pull(0)
        finally:
            st.close()
