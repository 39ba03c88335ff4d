"""Per-client-address limits on failed attempts (console logins, enrolment codes).

Lockout per username alone lets anyone lock out the admin and tells which names exist; a limit per
client address slows a password spray or a code guesser without touching real accounts. Counts
live in the worker's memory (a sliding window of failure times per address): cheap under attack,
no database write per guess; with N workers an address gets at most N times the limit.
Behind a reverse proxy, set YIZHAN_HUB_TRUSTED_PROXY to the proxy's address so X-Forwarded-For's
last hop is used; otherwise the peer address counts.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from starlette.requests import Request

from server.services.errors import HubError

LOGIN_FAILURES = int(os.environ.get("YIZHAN_HUB_LOGIN_FAILURES_PER_ADDRESS", "20"))
ENROL_FAILURES = int(os.environ.get("YIZHAN_HUB_ENROL_FAILURES_PER_ADDRESS", "10"))
WINDOW_SECONDS = 15 * 60
_MAX_ADDRESSES = 50_000


class Throttled(HubError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "too_many_attempts",
            f"too many failed attempts from this address; try again in {retry_after // 60 + 1} minutes",
        )
        self.retry_after = retry_after


@dataclass
class FailureLimiter:
    limit: int
    window: float = WINDOW_SECONDS
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked_for(self, address: str) -> int:
        """Seconds until this address may try again (0 = now)."""
        now = time.monotonic()
        with self._lock:
            times = self._failures.get(address)
            if not times:
                return 0
            while times and now - times[0] > self.window:
                times.popleft()
            if len(times) < self.limit:
                return 0
            return int(self.window - (now - times[0])) + 1

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) >= _MAX_ADDRESSES:
                self._failures.clear()  # memory stays bounded whatever an attacker spreads over
            times = self._failures.setdefault(address, deque(maxlen=self.limit))
            times.append(now)

    def forget(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)


LOGINS = FailureLimiter(LOGIN_FAILURES)
ENROLMENTS = FailureLimiter(ENROL_FAILURES)


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else "?"
    trusted = os.environ.get("YIZHAN_HUB_TRUSTED_PROXY")
    forwarded = request.headers.get("x-forwarded-for")
    if trusted and peer == trusted and forwarded:
        return forwarded.split(",")[-1].strip()[:64] or peer
    return peer


@dataclass(frozen=True)
class AddressThrottle:
    limiter: FailureLimiter
    address: str

    def check(self) -> None:
        wait = self.limiter.blocked_for(self.address)
        if wait:
            raise Throttled(wait)

    def failed(self) -> None:
        self.limiter.failed(self.address)

    def succeeded(self) -> None:
        self.limiter.forget(self.address)


def enrol_throttle(request: Request) -> AddressThrottle:
    return AddressThrottle(ENROLMENTS, client_address(request))


def login_throttle(request: Request) -> AddressThrottle:
    return AddressThrottle(LOGINS, client_address(request))
