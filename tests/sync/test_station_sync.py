"""Station ↔ hub over real HTTP: records go up exactly once, answers come back and are shown."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
import requests

from models.residents import ResidentInput
from models.schema import OutboxItem
from models.station import KIOSK, Actor
from models.validation import id_check_char
from sync.client import HubClient, StationCredential, enrol
from sync.engine import SyncEngine
from tests.support.faultproxy import Fault, FaultProxy
from tests.sync.conftest import EnrolledStation, Hub

VOLUNTEER = Actor("volunteer", "v1")


def _person(n: int) -> ResidentInput:
    body = f"5101041948{(n % 12) + 1:02d}{(n % 27) + 1:02d}{n % 1000:03d}"
    return ResidentInput(
        name=f"赵桂兰{n}",
        id_number=body + id_check_char(body),
        phone=f"139{n:08d}",
        address=f"东山村{n}组",
        living_alone=True,
    )


def test_round_trip_status_reply_notice_and_help_ack(
    hub: Hub, enrolled: Callable[..., EnrolledStation]
) -> None:
    st = enrolled()
    rid = st.station.residents.add(_person(1), VOLUNTEER)
    report_req = st.station.requests.submit(
        "problem_report", {"category": "road_light", "description": "路灯坏了"}, KIOSK, resident_id=rid
    )
    help_req = st.station.requests.help_call(KIOSK, resident_id=rid)
    first = SyncEngine(st.station).run_once()
    assert first.complete and first.acknowledged >= 2 and first.waiting == 0
    at_hub = hub.station_requests(st.name)
    assert at_hub[report_req.id] == (report_req.receipt_code, "new")
    assert st.station.requests.get(report_req.id).state == "SENT"

    hub.set_status(report_req.id, "received")
    hub.set_status(report_req.id, "done", "路灯已经修好了，谢谢您。")
    from server.services.feed import ack_help_call, publish_notice

    with hub.session() as session:
        ack_help_call(session, hub.keys, help_req.id, "staff:test", "马上到")
        publish_notice(session, hub.keys, "冬季用电安全", "请不要私拉电线。")
    second = SyncEngine(st.station).run_once()
    assert second.complete and second.pulled >= 4
    answered = st.station.requests.get(report_req.id)
    assert answered.state == "DONE" and answered.reply == "路灯已经修好了，谢谢您。"
    assert answered.status_key == "done"
    assert st.station.requests.get(help_req.id).acknowledged_at is not None
    assert st.station.requests.for_resident(rid)[0].reply or st.station.requests.for_resident(rid)[1].reply

    third = SyncEngine(st.station).run_once()  # nothing new: nothing applied twice
    assert third.complete and third.pulled == 0 and third.acknowledged == 0


def test_outbox_and_wire_carry_no_plaintext(
    hub: Hub, enrolled: Callable[..., EnrolledStation], monkeypatch: pytest.MonkeyPatch
) -> None:
    st = enrolled()
    person = _person(2)
    rid = st.station.residents.add(person, VOLUNTEER)
    st.station.requests.submit(
        "problem_report", {"description": "隔壁王大爷家的水管漏水"}, KIOSK, resident_id=rid
    )
    captured: list[bytes] = []

    def capturing(credential: StationCredential, hub_url: str | None) -> HubClient:
        client = HubClient(credential, hub_url=hub_url)
        original = client._transport.session.request

        def request(method: str, url: str, **kwargs: Any) -> requests.Response:
            if kwargs.get("data"):
                captured.append(kwargs["data"])
            return original(method, url, **kwargs)

        monkeypatch.setattr(client._transport.session, "request", request)
        return client

    assert SyncEngine(st.station, client_factory=capturing).run_once().complete
    with st.station.read() as session:
        sealed = b"".join(i.sealed_payload for i in session.query(OutboxItem))
    db_bytes = (st.data_dir / "station.db").read_bytes() + (st.data_dir / "station.db-wal").read_bytes()
    wire = b"".join(captured)
    assert captured, "no request body was captured"
    for blob in (sealed, db_bytes, wire):
        for secret in (person.name, person.id_number, person.phone, person.address, "水管漏水"):
            assert secret.encode() not in blob


def test_captive_portal_counts_as_nothing(hub: Hub, enrolled: Callable[..., EnrolledStation]) -> None:
    st = enrolled()
    rec = st.station.requests.submit("certificate", {"certificate_type": "residence"}, KIOSK)
    port = hub.url.rsplit(":", 1)[1]
    with FaultProxy("127.0.0.1", int(port)) as proxy:
        proxy.set_default(Fault.CAPTIVE_PORTAL)
        report = SyncEngine(st.station, hub_url=proxy.url).run_once()
    assert not report.complete and report.error and "captive portal" in report.error
    assert st.station.requests.get(rec.id).state == "QUEUED"
    assert rec.id not in hub.station_requests(st.name)
    assert SyncEngine(st.station).run_once().complete
    assert st.station.requests.get(rec.id).state == "SENT"


def test_refused_record_is_quarantined_and_never_blocks(
    hub: Hub, enrolled: Callable[..., EnrolledStation]
) -> None:
    st = enrolled()
    good = [
        st.station.requests.submit("problem_report", {"description": f"第{i}件"}, KIOSK) for i in range(5)
    ]
    bad = st.station.requests.submit("problem_report", {"description": "坏的"}, KIOSK)
    from sync import outbox
    from sync.credentials import load_credential

    cred = load_credential(st.station)
    assert cred is not None
    outbox.fill_outbox(st.station, cred.hub_public_key, cred.station_id)
    with st.station.write() as session:  # corrupt one sealed envelope: the hub cannot open it
        item = session.get(OutboxItem, bad.id)
        assert item is not None
        item.sealed_payload = b"\x00" * 80
        import hashlib

        item.sha256 = hashlib.sha256(item.sealed_payload).hexdigest()
    report = SyncEngine(st.station).run_once()
    assert report.quarantined == 1 and report.acknowledged >= 5 and report.waiting == 0
    quarantined = st.station.requests.get(bad.id)
    assert quarantined.state == "QUARANTINED" and quarantined.quarantine_reason
    assert all(st.station.requests.get(g.id).state == "SENT" for g in good)
    assert st.station.requests.count_waiting() == 1  # the volunteer still sees it waiting


def test_sync_cli_exit_codes(hub: Hub, enrolled: Callable[..., EnrolledStation]) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    st = enrolled()
    st.station.requests.submit("pension_inquiry", {"topic": "pension_paid"}, KIOSK)
    env = {**os.environ, "YIZHAN_PASSPHRASE": "sync test passphrase"}

    def run(*a: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "desktop.cli", *a],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    ok = run("sync", "--data-dir", str(st.data_dir), "--once")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["acknowledged"] >= 1
    down = run("sync", "--data-dir", str(st.data_dir), "--once", "--hub", "http://127.0.0.1:9")
    assert down.returncode == 1 and json.loads(down.stdout)["error"]
    with sqlite3.connect(st.data_dir / "station.db") as conn:
        assert conn.execute("SELECT last_error FROM sync_state").fetchone()[0]


def test_joining_another_hub_loses_and_skips_nothing(
    hub: Hub, enrolled: Callable[..., EnrolledStation]
) -> None:
    from sync import outbox
    from sync.credentials import load_credential, save_credential
    from tests.support.hubhandle import started_hub

    st = enrolled()
    sent = st.station.requests.submit("problem_report", {"description": "旧中心收到了"}, KIOSK)
    assert SyncEngine(st.station).run_once().complete
    hub.set_status(sent.id, "received")
    assert SyncEngine(st.station).run_once().pulled >= 1
    waiting = st.station.requests.submit("problem_report", {"description": "还没发出去"}, KIOSK)
    old = load_credential(st.station)
    assert old is not None
    outbox.fill_outbox(st.station, old.hub_public_key, old.station_id)  # sealed to the old hub, never sent

    with started_hub("sqlite", prefix="yizhan-second-hub-") as second:
        save_credential(st.station, enrol(second.url, second.enrol_code("迁入的驿站")), VOLUNTEER)
        report = SyncEngine(st.station).run_once()
        assert report.complete and report.quarantined == 0, report.error
        assert set(second.station_requests("迁入的驿站")) == {waiting.id}  # re-sealed to the new key
        second.set_status(waiting.id, "done", "新中心办好了")
        assert SyncEngine(st.station).run_once().complete
    assert st.station.requests.get(waiting.id).reply == "新中心办好了"  # the new feed from 0, nothing skipped
    assert st.station.requests.get(sent.id).state == "RECEIVED"  # what the old hub answered stays
