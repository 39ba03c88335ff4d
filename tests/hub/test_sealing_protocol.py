"""Sealing and protocol schemas: no hub, no network."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from sync.client import split_batches
from sync.protocol import MAX_PUSH_ITEMS, Envelope, PushRequest, RecordKind, sign, verify_signature
from sync.sealing import SealError, generate_hub_keypair, open_sealed, record_aad, seal, seal_envelope


def _envelope(public: bytes, payload: dict[str, object] | None = None) -> Envelope:
    return seal_envelope(
        record_id=uuid.uuid4(),
        kind=RecordKind.SERVICE_REQUEST,
        station_seq=1,
        created_at=datetime.now(UTC),
        payload=payload or {"service": "x", "receipt_code": "A-1", "resident": {"name": "王"}},
        hub_public_key=public,
    )


def test_seal_round_trip_and_binding() -> None:
    private, public = generate_hub_keypair()
    blob = seal("张秀英 13800138000".encode(), public, b"aad-1")
    assert "张秀英".encode() not in blob and b"13800138000" not in blob
    assert open_sealed(blob, private, b"aad-1") == "张秀英 13800138000".encode()
    with pytest.raises(SealError):
        open_sealed(blob, private, b"aad-2")  # moved to another record
    with pytest.raises(SealError):
        open_sealed(blob[:-1] + bytes([blob[-1] ^ 1]), private, b"aad-1")  # tampered
    other_private, _ = generate_hub_keypair()
    with pytest.raises(SealError):
        open_sealed(blob, other_private, b"aad-1")  # sealed to another hub


def test_envelope_hash_covers_sealed_bytes() -> None:
    private, public = generate_hub_keypair()
    env = seal_envelope(
        record_id=uuid.uuid4(),
        kind=RecordKind.HELP_CALL,
        station_seq=7,
        created_at=datetime.now(UTC),
        payload={"service": "help_call", "receipt_code": "A07-0001"},
        hub_public_key=public,
    )
    blob = base64.b64decode(env.sealed_payload)
    assert hashlib.sha256(blob).hexdigest() == env.sha256
    doc = json.loads(open_sealed(blob, private, record_aad(env.id, "help_call")))
    assert doc["receipt_code"] == "A07-0001"


def test_push_request_bounds() -> None:
    _, public = generate_hub_keypair()
    env = _envelope(public)
    with pytest.raises(ValidationError):
        PushRequest(items=[env] * (MAX_PUSH_ITEMS + 1))
    with pytest.raises(ValidationError):
        PushRequest(items=[])
    batches = list(split_batches([env] * 600))
    assert [len(b) for b in batches] == [250, 250, 100]


def test_signature_covers_body_and_path() -> None:
    args = ("POST", "/v1/push", "1700000000", "n" * 32, b"{}")
    sig = sign(b"k" * 32, *args)
    assert verify_signature(b"k" * 32, sig, *args)
    assert not verify_signature(b"k" * 32, sig, "POST", "/v1/push", "1700000000", "n" * 32, b"{ }")
    assert not verify_signature(b"k" * 32, sig, "POST", "/v1/pull", "1700000000", "n" * 32, b"{}")
    assert not verify_signature(b"x" * 32, sig, *args)
