"""The hub's keys: the X25519 private key stations seal to, the DEK for data at rest, and the
Ed25519 key(s) that sign every answer to a station (sync/answer_signing.py).

All live in one key file (mode 0600) in the hub home, created by `yizhan-hub init` (which also adds
a signing key to a key file made before answers were signed). During a signing-key rotation the
file holds two signing keys, current first; both sign until the old one is retired. The database
never holds key material, so a database dump or backup alone reveals no personal data. Field
values are AES-256-GCM with a random nonce and associated data naming table/column/row, so a
ciphertext cannot be moved to another row; a leading key-id byte leaves room for DEK rotation.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sync.answer_signing import AnswerSigner, generate_signing_key
from sync.sealing import SealOpener, generate_hub_keypair, public_key_id

_FIELD_VERSION = 1
_NONCE_LEN = 12


class KeyFileError(RuntimeError):
    """The key file is missing or unreadable; the hub cannot serve without it."""


@dataclass(frozen=True)
class HubKeys:
    private_key: bytes
    public_key: bytes
    dek: bytes
    signing_keys: tuple[bytes, ...] = ()  # raw Ed25519 private keys, current first

    @cached_property
    def signer(self) -> AnswerSigner:
        return AnswerSigner(self.signing_keys)

    @property
    def signing_public_keys(self) -> list[bytes]:
        return self.signer.public_keys

    @property
    def key_id(self) -> str:
        return public_key_id(self.public_key)

    # Parsed key objects, built once per process instead of once per field or sealed item (the hot
    # path opens 20 sealed items and encrypts 20 fields per push). cached_property writes to the
    # instance __dict__ directly, so it works on a frozen dataclass.
    @cached_property
    def _dek_cipher(self) -> AESGCM:
        return AESGCM(self.dek)

    @cached_property
    def _opener(self) -> SealOpener:
        return SealOpener(self.private_key)

    def encrypt(self, plaintext: bytes, aad: str) -> bytes:
        nonce = os.urandom(_NONCE_LEN)
        return bytes([_FIELD_VERSION]) + nonce + self._dek_cipher.encrypt(nonce, plaintext, aad.encode())

    def decrypt(self, blob: bytes, aad: str) -> bytes:
        if not blob or blob[0] != _FIELD_VERSION:
            raise KeyFileError("field encrypted under an unknown key version")
        nonce, body = blob[1 : 1 + _NONCE_LEN], blob[1 + _NONCE_LEN :]
        return self._dek_cipher.decrypt(nonce, body, aad.encode())

    def open_sealed(self, blob: bytes, aad: bytes) -> bytes:
        """`sync.sealing.open_sealed` with this hub's key, parsed once per process."""
        return self._opener.open(blob, aad)

    def encrypt_json(self, value: Any, aad: str) -> bytes:
        return self.encrypt(json.dumps(value, ensure_ascii=False, default=str).encode("utf-8"), aad)

    def decrypt_json(self, blob: bytes, aad: str) -> Any:
        return json.loads(self.decrypt(blob, aad))


def create_key_file(path: Path) -> HubKeys:
    """Create the key file once; an existing one is kept, because losing it loses every record.

    A key file from before answers were signed gets its first signing key added here.
    """
    if path.exists():
        doc = _read_doc(path)
        if not doc.get("ed25519_signing_keys"):
            doc["ed25519_signing_keys"] = [_new_signing_entry()]
            _write_doc(path, doc, replace=True)
        return load_key_file(path)
    private, public = generate_hub_keypair()
    doc = {
        "version": 1,
        "created_at": datetime.now(UTC).isoformat(),
        "x25519_private": _b64(private),
        "x25519_public": _b64(public),
        "dek": _b64(AESGCM.generate_key(bit_length=256)),
        "ed25519_signing_keys": [_new_signing_entry()],
    }
    _write_doc(path, doc, replace=False)
    return load_key_file(path)


def rotate_signing_key(path: Path) -> HubKeys:
    """Add a new current signing key; the previous one keeps signing until `retire_signing_keys`."""
    doc = _read_doc(path)
    doc["ed25519_signing_keys"] = [_new_signing_entry(), *doc.get("ed25519_signing_keys", [])][:2]
    _write_doc(path, doc, replace=True)
    return load_key_file(path)


def retire_signing_keys(path: Path) -> HubKeys:
    """Keep only the current signing key (after every station has pinned it)."""
    doc = _read_doc(path)
    doc["ed25519_signing_keys"] = doc.get("ed25519_signing_keys", [])[:1]
    _write_doc(path, doc, replace=True)
    return load_key_file(path)


def load_key_file(path: Path) -> HubKeys:
    doc = _read_doc(path)
    try:
        signing = tuple(base64.b64decode(entry["private"]) for entry in doc.get("ed25519_signing_keys", []))
        keys = HubKeys(
            private_key=base64.b64decode(doc["x25519_private"]),
            public_key=base64.b64decode(doc["x25519_public"]),
            dek=base64.b64decode(doc["dek"]),
            signing_keys=signing,
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise KeyFileError(f"hub key file {path} is damaged: {exc}") from exc
    if not signing:
        raise KeyFileError(f"hub key file {path} has no answer-signing key; run `yizhan-hub init` to add one")
    return keys


def _read_doc(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KeyFileError(f"no hub key file at {path}; run `yizhan-hub init` first") from exc
    except ValueError as exc:
        raise KeyFileError(f"hub key file {path} is damaged: {exc}") from exc
    if not isinstance(doc, dict):
        raise KeyFileError(f"hub key file {path} is damaged")
    return doc


def _write_doc(path: Path, doc: dict[str, Any], *, replace: bool) -> None:
    """0600 from the first byte (O_EXCL): never a moment where the file is world-readable.

    A rewrite goes to a fresh file beside it and replaces the old one atomically.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    target = path.with_name(path.name + ".new") if replace else path
    if replace:
        target.unlink(missing_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    if replace:
        os.replace(target, path)


def _new_signing_entry() -> dict[str, str]:
    private, public = generate_signing_key()
    return {"private": _b64(private), "public": _b64(public), "created_at": datetime.now(UTC).isoformat()}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
