"""The outbox's own bookkeeping, without a hub: records are sealed once into the outbox (the bytes
every retry sends), and the hub's per-item answers move outbox rows and requests in one go
(set-based for acknowledgements, row by row for refusals)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models.residents import ResidentInput
from models.schema import OutboxItem, OutboxState, RequestState, ServiceRequest
from models.station import KIOSK, Actor, Station
from models.validation import id_check_char
from sync import outbox
from sync.protocol import ItemResult, ItemStatus
from sync.sealing import SealOpener, generate_hub_keypair, record_aad, seal_record


def test_sealed_once_then_answers_move_rows_and_requests(tmp_path: Path) -> None:
    private, public = generate_hub_keypair()
    station = Station.create(tmp_path / "st", "bookkeeping passphrase", name="bk", prefix="K01")
    try:
        report = station.requests.submit("problem_report", {"description": "路灯不亮"}, KIOSK)
        checkin = station.requests.submit("daily_checkin", {"feeling": "good"}, KIOSK)
        refused = station.requests.submit("certificate", {}, KIOSK)
        assert outbox.fill_outbox(station, public, "station-x") >= 3
        assert outbox.fill_outbox(station, public, "station-x") == 0  # never sealed twice
        first = {str(e.id): e for e in outbox.pending(station)}
        again = {str(e.id): e for e in outbox.pending(station)}
        assert first == again  # a retry sends the very same bytes
        opener = SealOpener(private)
        for env in first.values():
            blob = base64.b64decode(env.sealed_payload)
            assert hashlib.sha256(blob).hexdigest() == env.sha256
            assert opener.open(blob, record_aad(env.id, env.kind.value))  # sealed to this hub, this record
        outbox.mark_sending(station, [e.id for e in first.values()])
        outbox.note_server_failure(station, [e.id for e in first.values()])
        ids = {r.receipt_code: r.id for r in (report, checkin, refused)}
        env_of = {e: next(x for x in first.values() if str(x.id) == rid) for e, rid in ids.items()}
        answers = [
            ItemResult(id=env_of[report.receipt_code].id, status=ItemStatus.ACCEPTED),
            ItemResult(id=env_of[checkin.receipt_code].id, status=ItemStatus.DUPLICATE_ACK),
            ItemResult(
                id=env_of[refused.receipt_code].id, status=ItemStatus.INVALID, reason="no such service"
            ),
            ItemResult(id=env_of[report.receipt_code].id, status=ItemStatus.DUPLICATE_ACK),  # same id again
        ]
        assert outbox.apply_results(station, answers) == (2, 1)
        with station.read() as session:
            items = {i.request_id: i for i in session.execute(select(OutboxItem)).scalars()}
            rows = {r.id: r for r in session.execute(select(ServiceRequest)).scalars()}
        for sent in (report.id, checkin.id):
            assert items[sent].state == OutboxState.SENT and items[sent].sent_at is not None
            assert items[sent].server_failures == 0 and items[sent].last_error is None
            assert rows[sent].state == RequestState.SENT and rows[sent].sent_at is not None
        assert rows[checkin.id].closed_at is not None  # a check-in is complete once the hub has it
        assert rows[report.id].closed_at is None
        assert items[refused.id].state == OutboxState.QUARANTINED
        assert items[refused.id].last_error == "invalid: no such service"
        assert rows[refused.id].state == RequestState.QUARANTINED
        assert rows[refused.id].quarantine_reason == "invalid: no such service"
        # An answer for an item already sent changes nothing.
        assert outbox.apply_results(station, answers[:1]) == (0, 0)
        assert outbox.count_pending(station) == len(first) - 3  # the audit events still wait
    finally:
        station.close()


def test_sealing_holds_no_lock_and_a_racing_pass_seals_each_record_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slice is sealed with no write lock held: a resident submits at the kiosk while it is being
    sealed (no wait for the lock), and another pass seals and stores the same records first. Each
    record still ends up with exactly one envelope, the one stored first, and the resident's details
    travel sealed with their request."""
    private, public = generate_hub_keypair()
    station = Station.create(tmp_path / "st", "bookkeeping passphrase", name="bk", prefix="K02")
    try:
        body = "51010419480315123"
        person = ResidentInput(name="赵桂兰", id_number=body + id_check_char(body), phone="13900000001")
        resident_id = station.residents.add(person, Actor("volunteer", "v1"))
        first = station.requests.submit(
            "problem_report", {"description": "路灯不亮"}, KIOSK, resident_id=resident_id
        )
        racing: list[int] = []

        def seal_while_others_write(**kwargs: Any) -> tuple[bytes, str]:
            if not racing:
                racing.append(0)
                submitted_at = time.perf_counter()
                station.requests.submit("help_call", {}, KIOSK)  # the kiosk, mid-seal
                assert time.perf_counter() - submitted_at < 5  # never waited for the write lock
                racing[0] = outbox.fill_outbox(station, public, "station-x")  # another pass
            return seal_record(**kwargs)

        monkeypatch.setattr("sync.outbox.seal_record", seal_while_others_write)
        assert outbox.fill_outbox(station, public, "station-x") == 0  # the other pass stored them all
        stored = racing[0]
        assert stored >= 3  # both requests and the volunteer's audit event
        monkeypatch.undo()
        assert outbox.fill_outbox(station, public, "station-x") == 0
        with station.read() as session:
            items = list(session.execute(select(OutboxItem)).scalars())
        assert len(items) == stored == len({i.id for i in items})
        envelope = next(i for i in items if i.request_id == first.id)
        opened = SealOpener(private).open(envelope.sealed_payload, record_aad(first.id, "service_request"))
        resident = json.loads(opened)["resident"]
        assert (resident["id"], resident["name"], resident["id_number"]) == (
            resident_id,
            "赵桂兰",
            person.id_number,
        )
        assert resident["phone"] == "13900000001"
    finally:
        station.close()
