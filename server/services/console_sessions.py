"""Console logins: password check with lockout, sessions stored as token hashes, CSRF tokens.

A failed login counts against the user; after `lockout_after` failures in a row the account is
locked for `lockout_for` (a correct password during the lock is refused too, so guessing gains
nothing). Unknown users cost the same scrypt time as known ones, and the login page answers
unknown names, wrong passwords and locked accounts alike, so nothing reveals which names exist;
only a correct password learns that an account is disabled. Failures are also limited per client
address (server/api/throttle.py). The caller holds a hashing slot (services/staff.py) around
`check_login`. A session ends after `idle_timeout` without activity or `max_session` in any case.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache

from sqlalchemy import delete
from sqlalchemy.orm import Session

from server.db.console_models import ConsoleSession
from server.db.models import StaffUser
from server.services.staff import find_user, hash_password, verify_password


@cache
def _dummy_hash() -> str:
    """A verifier to check unknown names against (same time as a real check). Made on first use, not
    at import: scrypt at import cost every hub worker its start-up time."""
    return hash_password("not a real password, only spends the same time")


_TOUCH_EVERY = timedelta(seconds=30)  # don't write the session row on every click


class LoginResult(StrEnum):
    OK = "ok"
    BAD = "bad"
    LOCKED = "locked"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Policy:
    idle_timeout: timedelta
    max_session: timedelta
    lockout_after: int
    lockout_for: timedelta


@dataclass(frozen=True)
class SessionInfo:
    user_id: int
    username: str
    role: str
    csrf_token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_login(
    session: Session, username: str, password: str, policy: Policy
) -> tuple[LoginResult, StaffUser | None]:
    user = find_user(session, username, for_update=True)
    if user is None:
        verify_password(password, _dummy_hash())
        return LoginResult.BAD, None
    now = datetime.now(UTC)
    if user.locked_until is not None and user.locked_until > now:
        verify_password(password, _dummy_hash())
        return LoginResult.LOCKED, user
    if not verify_password(password, user.password_hash):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= policy.lockout_after:
            user.locked_until = now + policy.lockout_for
            user.failed_logins = 0
            return LoginResult.LOCKED, user
        return LoginResult.BAD, user
    if user.disabled:
        return LoginResult.DISABLED, user
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    return LoginResult.OK, user


def open_session(session: Session, user: StaffUser, policy: Policy, ip: str | None) -> str:
    """Create a session; returns the cookie token (shown once, stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(
        ConsoleSession(
            token_hash=token_hash(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.max_session,
            ip=(ip or "")[:64] or None,
        )
    )
    # Old sessions of anyone are pruned here, so the table never grows without bound.
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
    return token


def resume(session: Session, token: str, policy: Policy, *, touch: bool) -> SessionInfo | None:
    """The live session for a cookie token, or None (unknown, idle too long, expired, user disabled)."""
    row = session.get(ConsoleSession, token_hash(token))
    if row is None:
        return None
    now = datetime.now(UTC)
    user = session.get(StaffUser, row.user_id)
    idle = now - row.last_seen_at > policy.idle_timeout
    if idle or row.expires_at <= now or user is None or user.disabled:
        session.delete(row)
        return None
    if touch and now - row.last_seen_at > _TOUCH_EVERY:
        row.last_seen_at = now
    return SessionInfo(user_id=user.id, username=user.username, role=user.role, csrf_token=row.csrf_token)


def close_session(session: Session, token: str) -> None:
    session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token)))


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and secrets.compare_digest(expected.encode(), (given or "").encode())
