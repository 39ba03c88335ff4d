"""Per-client-address limits on failed attempts (console logins, enrolment codes).

Lockout per username alone lets anyone lock out the admin and tells which names exist; a limit per
client address slows a password spray or a code guesser without touching real accounts. Failures
are counted in the database (a sliding window of failure times per address, services/attempts.py),
so every hub process shares one count: with `serve --workers N` an address still gets the limit
once. A success does not clear the count: one valid account must not reset its owner's guesses at
the others.
Behind a reverse proxy, set YIZHAN_HUB_TRUSTED_PROXY to the proxy's address so X-Forwarded-For's
last hop is used; otherwise the peer address counts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from server.core.db import transaction
from server.services import attempts
from server.services.errors import HubError

LOGIN_FAILURES = int(os.environ.get("YIZHAN_HUB_LOGIN_FAILURES_PER_ADDRESS", "20"))
ENROL_FAILURES = int(os.environ.get("YIZHAN_HUB_ENROL_FAILURES_PER_ADDRESS", "10"))
WINDOW_SECONDS = 15 * 60


class Throttled(HubError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "too_many_attempts",
            f"too many failed attempts from this address; try again in {retry_after // 60 + 1} minutes",
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class FailureLimiter:
    scope: str  # what is being guessed: the rows of services/attempts.py carry it
    limit: int
    window: float = WINDOW_SECONDS


LOGINS = FailureLimiter("login", LOGIN_FAILURES)
ENROLMENTS = FailureLimiter("enrol", ENROL_FAILURES)


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else "?"
    trusted = os.environ.get("YIZHAN_HUB_TRUSTED_PROXY")
    forwarded = request.headers.get("x-forwarded-for")
    if trusted and peer == trusted and forwarded:
        return forwarded.split(",")[-1].strip()[:64] or peer
    return peer


@dataclass(frozen=True)
class AddressThrottle:
    """One request's view of its address's failures. Each call is a short transaction of its own:
    call them outside the request's transaction (on SQLite a second writer would wait for it)."""

    limiter: FailureLimiter
    address: str
    sessions: sessionmaker[Session]

    def check(self) -> None:
        with transaction(self.sessions) as session:
            wait = attempts.blocked_for(
                session, self.limiter.scope, self.address, self.limiter.limit, self.limiter.window
            )
        if wait:
            raise Throttled(wait)

    def failed(self) -> None:
        with transaction(self.sessions) as session:
            attempts.record_failure(session, self.limiter.scope, self.address, self.limiter.window)


def _throttle(request: Request, limiter: FailureLimiter) -> AddressThrottle:
    return AddressThrottle(limiter, client_address(request), request.app.state.hub.sessions)


def enrol_throttle(request: Request) -> AddressThrottle:
    return _throttle(request, ENROLMENTS)


def login_throttle(request: Request) -> AddressThrottle:
    return _throttle(request, LOGINS)
