"""Console settings: session lifetimes, lockout, refresh interval, SLA, the office's time zone.

Defaults suit a town office; each can be overridden by an environment variable (documented in
docs/console-zh.md) so one hub binary serves both production and the tests' short timers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo


def _seconds(name: str, default: float) -> timedelta:
    return timedelta(seconds=float(os.environ.get(name, default)))


@dataclass(frozen=True)
class ConsoleSettings:
    idle_timeout: timedelta  # no activity for this long → log in again
    max_session: timedelta  # absolute lifetime, however active
    lockout_after: int  # failed logins in a row
    lockout_for: timedelta
    refresh_seconds: int  # work queue auto-refresh
    overdue_after: timedelta  # an open request older than this is overdue
    help_overdue_after: timedelta  # help calls are overdue much sooner
    tz: ZoneInfo
    secure_cookies: bool  # set behind a TLS proxy

    @classmethod
    def from_env(cls) -> ConsoleSettings:
        return cls(
            idle_timeout=_seconds("YIZHAN_CONSOLE_IDLE_SECONDS", 30 * 60),
            max_session=_seconds("YIZHAN_CONSOLE_MAX_SESSION_SECONDS", 12 * 3600),
            lockout_after=int(os.environ.get("YIZHAN_CONSOLE_LOCKOUT_AFTER", 5)),
            lockout_for=_seconds("YIZHAN_CONSOLE_LOCKOUT_SECONDS", 15 * 60),
            refresh_seconds=int(os.environ.get("YIZHAN_CONSOLE_REFRESH_SECONDS", 15)),
            overdue_after=_seconds("YIZHAN_CONSOLE_OVERDUE_SECONDS", 3 * 86400),
            help_overdue_after=_seconds("YIZHAN_CONSOLE_HELP_OVERDUE_SECONDS", 30 * 60),
            tz=ZoneInfo(os.environ.get("YIZHAN_CONSOLE_TZ", "Asia/Shanghai")),
            secure_cookies=os.environ.get("YIZHAN_CONSOLE_SECURE_COOKIES", "") == "1",
        )
