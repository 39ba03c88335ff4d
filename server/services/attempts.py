"""Failed attempts per client address, counted in the database (table `failed_attempts`) so that
every hub process sees the same count: with `yizhan-hub serve --workers N` an address still gets
the limit once, not N times. server/api/throttle.py decides what the count means for a request.

A failure is one small insert (plus deleting the rows older than the window); a check is one
indexed query. Both run in their own short transaction, never inside the caller's, so a failure
is counted even when the request it belongs to rolls back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.db.models import FailedAttempt


def blocked_for(
    session: Session, scope: str, address: str, limit: int, window: float, now: datetime | None = None
) -> int:
    """Seconds until `address` may try `scope` again: 0 while it has fewer than `limit` failures in
    the last `window` seconds, else until the oldest of its newest `limit` failures leaves the window."""
    now = now or datetime.now(UTC)
    recent = list(
        session.scalars(
            select(FailedAttempt.at)
            .where(
                FailedAttempt.scope == scope,
                FailedAttempt.address == address,
                FailedAttempt.at > now - timedelta(seconds=window),
            )
            .order_by(FailedAttempt.at.desc())
            .limit(limit)
        )
    )
    if len(recent) < limit:
        return 0
    return int(window - (now - recent[-1]).total_seconds()) + 1


def record_failure(
    session: Session, scope: str, address: str, window: float, now: datetime | None = None
) -> None:
    """Count one failure of `address`. Every failure that has left the window goes at the same time
    (an indexed range delete), so the table holds one window's failures however many addresses an
    attacker spreads over."""
    now = now or datetime.now(UTC)
    session.execute(delete(FailedAttempt).where(FailedAttempt.at <= now - timedelta(seconds=window)))
    session.add(FailedAttempt(scope=scope, address=address[:64], at=now))
