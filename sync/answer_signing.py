"""Hub answers are signed too: Ed25519 over the exact answer plus the request it answers.

Station → hub requests are HMAC-signed (sync/protocol.py). This module covers the other way: the
hub signs every answer to a signed request with its Ed25519 signing key(s), over

    yizhan-answer-v1 \\n STATUS \\n METHOD \\n path?query \\n request nonce \\n X-Yizhan-Hub-Time
    \\n X-Yizhan-Hub-Signing-Keys \\n hex SHA-256 of the body

so a man in the middle can neither change an answer nor replay one to another request (the nonce
is fresh per request). `X-Yizhan-Answer-Signature` carries `key id:base64 signature` items, one
per key the hub holds (two during a rotation); `X-Yizhan-Hub-Signing-Keys` lists those public keys
(current first). The station pins the hub's signing keys at enrolment and accepts an answer only
when a pinned key's signature verifies; when such an answer announces a new key set, and every
announced key signed the answer too, the station pins the announced set (key rotation, vouched for
by a key it already trusted). Shared by both sides; no HTTP library, no database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

H_ANSWER_SIGNATURE = "X-Yizhan-Answer-Signature"
H_SIGNING_KEYS = "X-Yizhan-Hub-Signing-Keys"
_MAX_KEYS = 4


class AnswerNotVerified(ValueError):
    """No signature from a pinned key verifies this answer (tampered, forged, or not the hub)."""


def generate_signing_key() -> tuple[bytes, bytes]:
    """(private, public) raw 32-byte Ed25519 keys."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return raw, public


def signing_key_id(public_key: bytes) -> str:
    return hashlib.sha256(b"yizhan-signing-key\n" + public_key).hexdigest()[:16]


def answer_signing_string(
    status: int, method: str, path_and_query: str, nonce: str, hub_time: str, announced: str, body: bytes
) -> bytes:
    parts = [
        "yizhan-answer-v1",
        str(int(status)),
        method.upper(),
        path_and_query,
        nonce,
        hub_time,
        announced,
        hashlib.sha256(body).hexdigest(),
    ]
    return "\n".join(parts).encode("utf-8")


def announce(public_keys: Sequence[bytes]) -> str:
    """The X-Yizhan-Hub-Signing-Keys value: base64 public keys, current first."""
    return ",".join(base64.b64encode(k).decode("ascii") for k in public_keys)


class AnswerSigner:
    """The hub's side: its signing keys (current first), parsed once per process."""

    def __init__(self, private_keys: Sequence[bytes]) -> None:
        if not private_keys:
            raise ValueError("at least one signing key is needed")
        self._keys = [Ed25519PrivateKey.from_private_bytes(k) for k in private_keys]
        self.public_keys = [
            k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            for k in self._keys
        ]
        self.announced = announce(self.public_keys)

    def sign(
        self, status: int, method: str, path_and_query: str, nonce: str, hub_time: str, body: bytes
    ) -> str:
        message = answer_signing_string(status, method, path_and_query, nonce, hub_time, self.announced, body)
        return ",".join(
            f"{signing_key_id(pub)}:{base64.b64encode(key.sign(message)).decode('ascii')}"
            for key, pub in zip(self._keys, self.public_keys, strict=True)
        )


@dataclass(frozen=True)
class Verified:
    """A verified answer; `pins` is the key set the station should pin from now on."""

    pins: tuple[bytes, ...]
    rotated: bool


def verify_answer(
    pinned: Sequence[bytes],
    signature_header: str | None,
    announced_header: str | None,
    *,
    status: int,
    method: str,
    path_and_query: str,
    nonce: str,
    hub_time: str,
    body: bytes,
) -> Verified:
    """Raise AnswerNotVerified unless a pinned key signed exactly this answer to this request."""
    if not pinned:
        raise AnswerNotVerified("no hub signing key is pinned on this station; enrol it again")
    if not signature_header:
        raise AnswerNotVerified("the answer carries no hub signature")
    signatures = _parse_signatures(signature_header)
    announced_text = announced_header or ""
    message = answer_signing_string(status, method, path_and_query, nonce, hub_time, announced_text, body)

    def signed_by(public: bytes) -> bool:
        sig = signatures.get(signing_key_id(public))
        if sig is None:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(sig, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    if not any(signed_by(key) for key in pinned):
        raise AnswerNotVerified("the answer's signature does not verify with the pinned hub key")
    announced = _parse_keys(announced_text)
    if announced and set(announced) != set(pinned) and all(signed_by(key) for key in announced):
        return Verified(pins=tuple(announced), rotated=True)
    return Verified(pins=tuple(pinned), rotated=False)


def _parse_signatures(header: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for item in header.split(",")[:_MAX_KEYS]:
        kid, _, sig = item.strip().partition(":")
        try:
            out[kid] = base64.b64decode(sig, validate=True)
        except (binascii.Error, ValueError):
            continue
    return out


def _parse_keys(header: str) -> list[bytes]:
    keys: list[bytes] = []
    for item in header.split(",")[:_MAX_KEYS]:
        try:
            raw = base64.b64decode(item.strip(), validate=True)
        except (binascii.Error, ValueError):
            return []
        if len(raw) != 32:
            return []
        keys.append(raw)
    return keys
