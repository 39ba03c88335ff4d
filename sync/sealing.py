"""Hybrid sealing of record payloads to the hub's public key, and the hub-side open.

Scheme (version byte 0x01): an ephemeral X25519 key agrees a secret with the hub's static X25519
key; HKDF-SHA256 (salt = ephemeral public || hub public) turns it into a one-record AES-256-GCM key;
the payload is encrypted under a random 96-bit nonce with associated data that names the record, so
a sealed blob cannot be replayed as another record. Only the hub's private key opens it; the
station cannot read its own outbox copy (it keeps a DEK-encrypted copy for that).

Layout: 0x01 | ephemeral public (32) | nonce (12) | ciphertext+tag. No Qt, no database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sync.protocol import Envelope, RecordKind

SEAL_VERSION = 1
_HKDF_INFO = b"yizhan-seal-v1"
_PUB_LEN = 32
_NONCE_LEN = 12
_HEADER_LEN = 1 + _PUB_LEN + _NONCE_LEN


class SealError(ValueError):
    """A sealed blob that cannot be opened: wrong key, tampered bytes, wrong record, bad layout."""


def generate_hub_keypair() -> tuple[bytes, bytes]:
    """Return (private, public) raw 32-byte X25519 keys for a new hub."""
    private = X25519PrivateKey.generate()
    return _raw_private(private), _raw_public(private.public_key())


def public_key_id(public_key: bytes) -> str:
    """A short fingerprint that names the hub key (shown at enrolment, stored with records)."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def record_aad(record_id: uuid.UUID | str, kind: str) -> bytes:
    """Associated data binding a sealed payload to one envelope id and kind."""
    return f"yizhan/v1/{record_id}/{kind}".encode()


@lru_cache(maxsize=8)
def _hub_key(hub_public_key: bytes) -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(hub_public_key)  # parsed once, not once a record


def seal(plaintext: bytes, hub_public_key: bytes, aad: bytes) -> bytes:
    hub_pub = _hub_key(hub_public_key)
    ephemeral = X25519PrivateKey.generate()
    eph_pub = _raw_public(ephemeral.public_key())
    key = _derive(ephemeral.exchange(hub_pub), eph_pub, hub_public_key)
    nonce = os.urandom(_NONCE_LEN)
    return bytes([SEAL_VERSION]) + eph_pub + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


class SealOpener:
    """Opens sealed payloads with one hub private key, parsed once (the hub opens thousands)."""

    def __init__(self, hub_private_key: bytes) -> None:
        self._private = X25519PrivateKey.from_private_bytes(hub_private_key)
        self._public_raw = _raw_public(self._private.public_key())

    def open(self, blob: bytes, aad: bytes) -> bytes:
        if len(blob) < _HEADER_LEN + 16 or blob[0] != SEAL_VERSION:
            raise SealError("not a sealed payload of a known version")
        eph_pub = blob[1 : 1 + _PUB_LEN]
        nonce = blob[1 + _PUB_LEN : _HEADER_LEN]
        try:
            shared = self._private.exchange(X25519PublicKey.from_public_bytes(eph_pub))
            key = _derive(shared, eph_pub, self._public_raw)
            return AESGCM(key).decrypt(nonce, blob[_HEADER_LEN:], aad)
        except (InvalidTag, ValueError) as exc:
            raise SealError("sealed payload does not open with this hub key") from exc


def open_sealed(blob: bytes, hub_private_key: bytes, aad: bytes) -> bytes:
    return SealOpener(hub_private_key).open(blob, aad)


def seal_envelope(
    *,
    record_id: uuid.UUID,
    kind: RecordKind,
    station_seq: int,
    created_at: datetime,
    payload: Mapping[str, Any],
    hub_public_key: bytes,
) -> Envelope:
    """Seal a JSON payload and wrap it in the envelope the outbox stores and pushes unchanged.

    Sealing happens once, before the record enters the outbox: a retry re-sends the same bytes, so
    the hub sees an identical sha256 and acknowledges it as a duplicate instead of a conflict.
    """
    blob, digest = seal_record(record_id=record_id, kind=kind, payload=payload, hub_public_key=hub_public_key)
    return Envelope(
        id=record_id,
        kind=kind,
        station_seq=station_seq,
        created_at=created_at,
        sealed_payload=base64.b64encode(blob).decode("ascii"),
        sha256=digest,
    )


def seal_record(
    *, record_id: uuid.UUID, kind: RecordKind, payload: Mapping[str, Any], hub_public_key: bytes
) -> tuple[bytes, str]:
    """A record's sealed bytes and their SHA-256 (hex): what its envelope carries (base64-encoded),
    for the outbox, which stores the bytes themselves."""
    plaintext = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    blob = seal(plaintext, hub_public_key, record_aad(record_id, kind.value))
    return blob, hashlib.sha256(blob).hexdigest()


def _derive(shared: bytes, eph_pub: bytes, hub_pub: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=eph_pub + hub_pub, info=_HKDF_INFO)
    return hkdf.derive(shared)


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def seal_enrol_secret(secret: bytes, key: bytes, station_id: str) -> bytes:
    """The station secret as it travels in the enrolment answer: AES-256-GCM under the key derived
    from the one-time code (sync.protocol.enrol_secret_key), bound to the station id."""
    nonce = os.urandom(_NONCE_LEN)
    return nonce + AESGCM(key).encrypt(nonce, secret, f"yizhan/enrol/{station_id}".encode())


def open_enrol_secret(blob: bytes, key: bytes, station_id: str) -> bytes:
    try:
        return AESGCM(key).decrypt(
            blob[:_NONCE_LEN], blob[_NONCE_LEN:], f"yizhan/enrol/{station_id}".encode()
        )
    except (InvalidTag, ValueError) as exc:
        raise SealError("the station secret does not open with this enrolment code") from exc
