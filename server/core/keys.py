"""The hub's keys: the X25519 private key stations seal to, and the DEK for data at rest.

Both live in one key file (mode 0600) in the hub home, created by `yizhan-hub init`. The database
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
    """Create the key file once; an existing one is kept, because losing it loses every record."""
    if path.exists():
        return load_key_file(path)
    private, public = generate_hub_keypair()
    keys = HubKeys(private_key=private, public_key=public, dek=AESGCM.generate_key(bit_length=256))
    doc = {
        "version": 1,
        "created_at": datetime.now(UTC).isoformat(),
        "x25519_private": _b64(keys.private_key),
        "x25519_public": _b64(keys.public_key),
        "dek": _b64(keys.dek),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL + 0600 from the first byte: never a moment where the file is world-readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, indent=2)
        handle.write("\n")
    return keys


def load_key_file(path: Path) -> HubKeys:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return HubKeys(
            private_key=base64.b64decode(doc["x25519_private"]),
            public_key=base64.b64decode(doc["x25519_public"]),
            dek=base64.b64decode(doc["dek"]),
        )
    except FileNotFoundError as exc:
        raise KeyFileError(f"no hub key file at {path}; run `yizhan-hub init` first") from exc
    except (KeyError, ValueError) as exc:
        raise KeyFileError(f"hub key file {path} is damaged: {exc}") from exc


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
