"""Staff users of the web console: roles, normalised usernames, scrypt password hashes, and
password changes (own) and resets (by an admin).

Usernames are compared in one normal form — NFKC, case-folded, invisible characters removed — so
`admin`, `Admin`, `ａｄｍｉｎ` and `admin\u200b` are one name and cannot coexist. A scrypt hash costs
32 MiB; at most `HASH_SLOTS` run at once per process (`hashing_slot`), so a burst of logins waits
instead of taking the hub's memory (60 parallel logins once took it from 267 MB to 1.4 GB).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import StaffUser
from server.services.errors import HubError

ROLES = ("staff", "supervisor", "admin")
# n=2**15, r=8: ~50 ms and 32 MiB per hash — slow for an attacker, fine for a login.
_N, _R, _P = 2**15, 8, 1
HASH_SLOTS = int(os.environ.get("YIZHAN_HUB_HASH_SLOTS", "2"))
HASH_WAIT_SECONDS = 20.0
_hashing = threading.BoundedSemaphore(HASH_SLOTS)


class HashingBusy(HubError):
    def __init__(self) -> None:
        super().__init__(429, "busy", "too many logins at once; try again in a moment")


@contextmanager
def hashing_slot(timeout: float = HASH_WAIT_SECONDS) -> Iterator[None]:
    """Hold one of the process's password-hashing slots (wait up to `timeout`, else HashingBusy)."""
    if not _hashing.acquire(timeout=timeout):
        raise HashingBusy()
    try:
        yield
    finally:
        _hashing.release()


def normalise_username(name: str) -> str:
    """NFKC, case-folded, without invisible (format/control) characters or surrounding space."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    visible = "".join(ch for ch in folded if unicodedata.category(ch) not in ("Cf", "Cc", "Zl", "Zp"))
    return unicodedata.normalize("NFKC", visible).strip()


def find_user(session: Session, typed: str, *, for_update: bool = False) -> StaffUser | None:
    """The account a typed username names, in normal form (older rows are compared normalised too)."""
    name = normalise_username(typed)
    if not name:
        return None
    query = select(StaffUser).where(StaffUser.username == name)
    user = session.scalars(query.with_for_update() if for_update else query).first()
    if user is not None:
        return user
    for candidate in session.scalars(select(StaffUser)):
        if normalise_username(candidate.username) == name:
            return candidate
    return None


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, maxmem=64 * 1024 * 1024)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _tag, n, r, p, salt, digest = stored.split("$")
        want = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=64 * 1024 * 1024,
            dklen=len(want),
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, want)


def assign_stations(session: Session, user: StaffUser, station_names: Sequence[str]) -> None:
    """The stations a staff member works for (supervisors and admins see all)."""
    from server.db.console_models import StaffStation
    from server.db.models import Station

    for name in station_names:
        station = session.scalars(select(Station).where(Station.name == name)).first()
        if station is None:
            raise HubError(404, "unknown_station", f"no station named {name}")
        session.merge(StaffStation(user_id=user.id, station_id=station.id))


def add_user(session: Session, username: str, role: str, password: str) -> StaffUser:
    if role not in ROLES:
        raise HubError(422, "bad_role", f"role must be one of {', '.join(ROLES)}")
    _check_strength(password)
    name = normalise_username(username)
    if not name or len(name) > 64 or not name.isprintable():
        raise HubError(422, "bad_username", "username must be 1-64 visible characters")
    if find_user(session, name) is not None:
        raise HubError(409, "user_exists", f"staff user {name} already exists (names ignore case and width)")
    with hashing_slot():
        password_hash = hash_password(password)
    user = StaffUser(username=name, role=role, password_hash=password_hash)
    session.add(user)
    session.flush()
    return user


def change_password(session: Session, user: StaffUser, old: str, new: str) -> None:
    """A staff member's own change: the current password first. Ends the user's other sessions."""
    _check_strength(new)
    with hashing_slot():
        if not verify_password(old, user.password_hash):
            raise HubError(403, "wrong_password", "the current password is not right")
        user.password_hash = hash_password(new)
    _end_sessions(session, user)


def reset_password(session: Session, user: StaffUser, new: str) -> None:
    """An admin's reset of another account: new hash, lock lifted, every session of it ended."""
    _check_strength(new)
    with hashing_slot():
        user.password_hash = hash_password(new)
    user.failed_logins, user.locked_until = 0, None
    _end_sessions(session, user)


def _check_strength(password: str) -> None:
    if len(password) < 8:
        raise HubError(422, "weak_password", "password must have at least 8 characters")
    if len(password) > 256:
        raise HubError(422, "weak_password", "password must have at most 256 characters")


def _end_sessions(session: Session, user: StaffUser) -> None:
    from sqlalchemy import delete

    from server.db.console_models import ConsoleSession

    session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
