"""The console's audit trail: every view of personal data and every change, append-only.

Entries name the viewer, the action, the target (request, resident, station, export) and the
station; `detail` says what was shown or done, never the personal data itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

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


def recent(session: Session, *, limit: int = 200, username: str | None = None) -> list[ConsoleAudit]:
    query = select(ConsoleAudit).order_by(ConsoleAudit.id.desc()).limit(limit)
    if username:
        query = query.where(ConsoleAudit.username == username)
    return list(session.scalars(query))
