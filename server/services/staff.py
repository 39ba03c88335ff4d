"""Staff users of the (upcoming) web console: roles and scrypt password hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import StaffUser
from server.services.errors import HubError

ROLES = ("staff", "supervisor", "admin")
# n=2**15, r=8: ~50 ms and 32 MiB per hash — slow for an attacker, fine for a login.
_N, _R, _P = 2**15, 8, 1


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
    if len(password) < 8:
        raise HubError(422, "weak_password", "password must have at least 8 characters")
    if session.scalars(select(StaffUser).where(StaffUser.username == username)).first():
        raise HubError(409, "user_exists", f"staff user {username} already exists")
    user = StaffUser(username=username, role=role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
