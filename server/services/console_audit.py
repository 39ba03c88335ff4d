"""The console's audit trail: every view of personal data and every change, append-only.

Entries name the viewer, the action, the target (request, resident, station, export) and the
station; `detail` says what was shown or done, never the personal data itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.console_models import ConsoleAudit


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    ip: str | None = None


def record(
    session: Session,
    actor: Actor,
    action: str,
    target: str,
    *,
    station_id: str | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        ConsoleAudit(
            at=datetime.now(UTC),
            user_id=actor.user_id,
            username=actor.username,
            action=action,
            target=target[:128],
            station_id=station_id,
            detail=detail,
            ip=(actor.ip or "")[:64] or None,
        )
    )


def recent(
    session: Session, *, limit: int = 200, username: str | None = None, before: int | None = None
) -> list[Any]:
    """The newest entries (plain rows, newest first), optionally of one user and older than entry
    `before` (the page's "next" link: a keyset on the id, so every page is one index range)."""
    a = ConsoleAudit
    query = select(a.id, a.at, a.username, a.action, a.target, a.station_id, a.detail, a.ip)
    if username:
        query = query.where(a.username == username)
    if before is not None:
        query = query.where(a.id < before)
    return list(session.execute(query.order_by(a.id.desc()).limit(limit)))
