"""Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256) — the key hierarchy is in docs/security.md.

Ciphertext layout: version (1 byte) | key id (uint32, big-endian) | nonce (12 bytes) | ct+tag.
The header is part of the associated data, together with "table/column/row-id", so a value can be
neither moved to another row or column nor relabelled with another key id.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = 1
_HEADER = struct.Struct(">BI")
NONCE_SIZE = 12
KEY_SIZE = 32


class IntegrityError(Exception):
    """A stored ciphertext was altered, moved to another row, or is not ours."""


class UnknownKeyError(IntegrityError):
    """The ciphertext names a data key this station does not hold."""


def new_key() -> bytes:
    return os.urandom(KEY_SIZE)


def associated_data(table: str, column: str, row_id: str) -> bytes:
    return f"yizhan/{table}/{column}/{row_id}".encode()


def key_id_of(ciphertext: bytes) -> int:
    if len(ciphertext) < _HEADER.size + NONCE_SIZE + 16:
        raise IntegrityError("ciphertext is truncated")
    version, key_id = _HEADER.unpack_from(ciphertext)
    if version != FORMAT_VERSION:
        raise IntegrityError(f"unknown ciphertext version {version}")
    return int(key_id)


@dataclass
class KeyRing:
    """The unwrapped data keys by id; `active` encrypts, every held key decrypts.

    `on_unknown` lets a long-running kiosk pick up a key another process added during rotation.
    """

    keys: dict[int, bytes]
    active: int
    on_unknown: Callable[[int], bytes | None] | None = None

    def key(self, key_id: int) -> bytes:
        key = self.keys.get(key_id)
        if key is None and self.on_unknown is not None:
            key = self.on_unknown(key_id)
            if key is not None:
                self.keys[key_id] = key
        if key is None:
            raise UnknownKeyError(f"data key {key_id} is not available")
        return key


class FieldCipher:
    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        self._aeads: dict[bytes, AESGCM] = {}

    def _aead(self, key: bytes) -> AESGCM:
        # Building an AESGCM expands the key schedule; reuse one per key (hot path on bulk inserts).
        aead = self._aeads.get(key)
        if aead is None:
            if len(self._aeads) > 4096:
                self._aeads.clear()
            aead = self._aeads[key] = AESGCM(key)
        return aead

    def encrypt(
        self, plaintext: bytes, aad: bytes, *, key: bytes | None = None, key_id: int | None = None
    ) -> bytes:
        kid = self.ring.active if key_id is None else key_id
        header = _HEADER.pack(FORMAT_VERSION, kid)
        nonce = os.urandom(NONCE_SIZE)
        aead = self._aead(key if key is not None else self.ring.key(kid))
        return header + nonce + aead.encrypt(nonce, plaintext, header + aad)

    def decrypt(self, ciphertext: bytes, aad: bytes, *, key: bytes | None = None) -> bytes:
        kid = key_id_of(ciphertext)
        return self._open(ciphertext, aad, self._aead(key if key is not None else self.ring.key(kid)))

    def decrypt_once(self, ciphertext: bytes, aad: bytes, key: bytes) -> bytes:
        """Decrypt under a key used for this one record only (a per-record key): its cipher is not
        kept, so listing thousands of records neither grows nor churns the cache of data keys."""
        key_id_of(ciphertext)  # the header checks
        return self._open(ciphertext, aad, AESGCM(key))

    @staticmethod
    def _open(ciphertext: bytes, aad: bytes, aead: AESGCM) -> bytes:
        header = ciphertext[: _HEADER.size]
        nonce = ciphertext[_HEADER.size : _HEADER.size + NONCE_SIZE]
        try:
            return aead.decrypt(nonce, ciphertext[_HEADER.size + NONCE_SIZE :], header + aad)
        except InvalidTag:
            raise IntegrityError("stored value failed its integrity check") from None

    def encrypt_text(self, value: str, table: str, column: str, row_id: str) -> bytes:
        return self.encrypt(value.encode("utf-8"), associated_data(table, column, row_id))

    def decrypt_text(self, ciphertext: bytes, table: str, column: str, row_id: str) -> str:
        try:
            return self.decrypt(ciphertext, associated_data(table, column, row_id)).decode("utf-8")
        except IntegrityError as exc:
            raise IntegrityError(f"{table}.{column} of record {row_id}: {exc}") from None


class BlindIndex:
    """HMAC-SHA256 of a normalised value under a key separate from the data keys: equal values can be
    found by equality, nothing else about them is revealed."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, purpose: str, normalised: str) -> bytes:
        return hmac.new(self._key, f"{purpose}\x00{normalised}".encode(), hashlib.sha256).digest()

    def derive(self, purpose: str) -> bytes:
        """A sub-key for another MAC purpose (e.g. the audit chain), independent of the index values."""
        return hmac.new(self._key, f"derive\x00{purpose}".encode(), hashlib.sha256).digest()
