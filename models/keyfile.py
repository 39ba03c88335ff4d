"""The key file beside the database: data keys and the blind-index key, wrapped by a key-encryption
key derived from the station passphrase with scrypt.

Changing the passphrase re-wraps only; adding a data key (rotation) keeps the old ones until no row
uses them. Every write is atomic (temp file, fsync, rename) so a crash never leaves a half key file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models.crypto import KEY_SIZE, NONCE_SIZE, new_key

KEYFILE_NAME = "station.key"
_FORMAT = "yizhan-keyfile"
# scrypt N=2^15, r=8, p=1: ≈ 0.1 s and 32 MiB per unlock — slow for a guesser, fine at a kiosk start.
DEFAULT_KDF = {"name": "scrypt", "n": 2**15, "r": 8, "p": 1}
MIN_PASSPHRASE = 8


class KeyFileError(Exception):
    """The key file is missing or damaged."""


class WrongPassphrase(Exception):
    """The passphrase does not unwrap the station keys."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def derive_kek(passphrase: str, kdf: dict[str, Any]) -> bytes:
    if kdf.get("name") != "scrypt":
        raise KeyFileError(f"unsupported key derivation {kdf.get('name')!r}")
    n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
    return hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=_unb64(kdf["salt"]),
        n=n,
        r=r,
        p=p,
        maxmem=256 * n * r + 2**20,
        dklen=KEY_SIZE,
    )


def _wrap(kek: bytes, key: bytes, label: str) -> str:
    nonce = os.urandom(NONCE_SIZE)
    return _b64(nonce + AESGCM(kek).encrypt(nonce, key, f"yizhan-wrap/{label}".encode()))


def _unwrap(kek: bytes, wrapped: str, label: str) -> bytes:
    blob = _unb64(wrapped)
    return AESGCM(kek).decrypt(blob[:NONCE_SIZE], blob[NONCE_SIZE:], f"yizhan-wrap/{label}".encode())


@dataclass
class UnlockedKeys:
    data_keys: dict[int, bytes]
    active_id: int
    index_key: bytes
    retiring: list[int] = field(default_factory=list)


@dataclass
class KeyFile:
    path: Path
    kdf: dict[str, Any]
    wrapped_data_keys: dict[int, str]
    active_id: int
    wrapped_index_key: str
    retiring: list[int]

    # -- creation and I/O -------------------------------------------------
    @classmethod
    def create(cls, path: Path, passphrase: str) -> tuple[KeyFile, UnlockedKeys]:
        check_passphrase(passphrase)
        kdf = {**DEFAULT_KDF, "salt": _b64(os.urandom(16))}
        kek = derive_kek(passphrase, kdf)
        dek, index_key = new_key(), new_key()
        kf = cls(path, kdf, {1: _wrap(kek, dek, "data/1")}, 1, _wrap(kek, index_key, "index"), [])
        kf.save()
        return kf, UnlockedKeys({1: dek}, 1, index_key)

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("format") != _FORMAT:
                raise ValueError("not a Yizhan key file")
            return cls(
                path=path,
                kdf=dict(raw["kdf"]),
                wrapped_data_keys={int(k): str(v) for k, v in raw["data_keys"].items()},
                active_id=int(raw["active_key_id"]),
                wrapped_index_key=str(raw["index_key"]),
                retiring=[int(k) for k in raw.get("retiring", [])],
            )
        except FileNotFoundError:
            raise KeyFileError(f"no key file at {path} — is this a station data folder?") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyFileError(
                f"the key file {path} is damaged ({exc}); restore it from the backup"
            ) from None

    def save(self) -> None:
        body = {
            "format": _FORMAT,
            "version": 1,
            "kdf": self.kdf,
            "active_key_id": self.active_id,
            "data_keys": {str(k): v for k, v in sorted(self.wrapped_data_keys.items())},
            "index_key": self.wrapped_index_key,
            "retiring": self.retiring,
        }
        atomic_write(self.path, json.dumps(body, indent=2).encode("utf-8"))

    # -- use ----------------------------------------------------------------
    def unlock(self, passphrase: str) -> tuple[bytes, UnlockedKeys]:
        kek = derive_kek(passphrase, self.kdf)
        try:
            keys = {kid: _unwrap(kek, w, f"data/{kid}") for kid, w in self.wrapped_data_keys.items()}
            index_key = _unwrap(kek, self.wrapped_index_key, "index")
        except InvalidTag:
            raise WrongPassphrase("the passphrase is not correct") from None
        except ValueError as exc:
            raise KeyFileError(f"the key file {self.path} is damaged ({exc})") from None
        return kek, UnlockedKeys(keys, self.active_id, index_key, list(self.retiring))

    def unwrap_one(self, kek: bytes, key_id: int) -> bytes | None:
        wrapped = self.wrapped_data_keys.get(key_id)
        return None if wrapped is None else _unwrap(kek, wrapped, f"data/{key_id}")

    def change_passphrase(self, old: str, new: str) -> None:
        check_passphrase(new)
        _, keys = self.unlock(old)
        kdf = {**DEFAULT_KDF, "salt": _b64(os.urandom(16))}
        kek = derive_kek(new, kdf)
        self.kdf = kdf
        self.wrapped_data_keys = {kid: _wrap(kek, k, f"data/{kid}") for kid, k in keys.data_keys.items()}
        self.wrapped_index_key = _wrap(kek, keys.index_key, "index")
        self.save()

    def add_data_key(self, kek: bytes) -> tuple[int, bytes]:
        """Start a rotation: a new active key; the previous ones are retiring until rows move off them."""
        new_id = max(self.wrapped_data_keys) + 1
        key = new_key()
        self.wrapped_data_keys[new_id] = _wrap(kek, key, f"data/{new_id}")
        self.retiring = sorted(set(self.retiring) | {k for k in self.wrapped_data_keys if k != new_id})
        self.active_id = new_id
        self.save()
        return new_id, key

    def drop_retired(self, key_ids: list[int]) -> None:
        for kid in key_ids:
            self.wrapped_data_keys.pop(kid, None)
        self.retiring = [k for k in self.retiring if k not in key_ids]
        self.save()


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValueError(f"the passphrase needs at least {MIN_PASSPHRASE} characters")


def atomic_write(path: Path, data: bytes) -> None:
    """Write-then-rename with fsyncs: readers see the old file or the new one, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
