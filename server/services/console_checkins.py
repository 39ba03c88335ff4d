"""The check-in page (平安签到): living-alone residents of the stations in scope who have not checked
in today (or, asked for, everyone), a page of 50 at a time, and the counts for the whole scope.

- Counts: living-alone residents per scope (an index count on ix_hub_residents_alone) and those of
  them who checked in today, from the rollup the push keeps (checkin_day_counts) — no join over
  every resident on each view.
- The list: a keyset page in (station name, last check-in — never first, resident key) order, so
  the longest silent come first in each station and the 40th page costs what the first does.
  Only the rows shown are decrypted, and only the columns the page shows are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select, tuple_
from sqlalchemy.orm import Session

from server.core.keys import HubKeys
from server.db.console_models import CheckinVisit, HubResident, ResidentCheckin
from server.db.models import Station
from server.db.types import assume_utc
from server.services import request_rollups
from server.services.resident_index import ResidentRow, open_person

PAGE_SIZE = 50
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # sorts a resident who never checked in first


@dataclass(frozen=True)
class After:
    """Where a page ends (the last row's sort key) and how many rows came before it."""

    station_id: str
    last: datetime
    key: str
    shown: int

    def token(self) -> str:
        micros = (assume_utc(self.last) - _NEVER) // timedelta(microseconds=1)
        return f"{self.station_id}.{micros}.{self.shown}.{self.key}"

    @classmethod
    def parse(cls, token: str | None) -> After | None:
        """The cursor in a "next" link, or None for anything else (the first page is shown)."""
        parts = (token or "").split(".", 3)
        if len(parts) != 4 or len(parts[0]) > 36 or len(parts[3]) > 64:
            return None
        if not all(p.isdigit() and len(p) < 19 for p in parts[1:3]):
            return None
        return cls(parts[0], _NEVER + timedelta(microseconds=int(parts[1])), parts[3], int(parts[2]))


@dataclass
class CheckinPage:
    rows: list[ResidentRow]
    total: int  # living-alone residents in scope
    missing: int  # of them, not checked in on the day
    first: int  # 1-based position of the first row shown
    more: After | None  # the next page, None on the last
    unreadable: int = 0  # rows that could not be shown (reported on the page, never a 500)


def load(
    session: Session,
    keys: HubKeys,
    scope: Sequence[str] | None,
    day: date,
    *,
    station: str | None = None,
    everyone: bool = False,
    after: After | None = None,
) -> CheckinPage:
    names = dict(session.execute(select(Station.id, Station.name)).all())
    stations = [station] if station else None
    if scope is not None:
        stations = [s for s in (stations or scope) if s in scope]
    r = HubResident
    where: list[ColumnElement[bool]] = [r.living_alone.is_(True)]
    if stations is not None:
        where.append(r.station_id.in_(stations))
    total = int(session.scalar(select(func.count()).select_from(r).where(*where)) or 0)
    checked = sum(
        n for _sid, _day, n in request_rollups.checkin_counts(session.connection(), day, day, stations)
    )

    came = (
        select(ResidentCheckin.station_id, ResidentCheckin.resident_key)
        .where(ResidentCheckin.day == day)
        .subquery()
    )
    last = func.coalesce(r.last_checkin_at, literal(_NEVER, r.last_checkin_at.type))
    query = (
        select(r.station_id, r.resident_key, r.data_enc, r.last_checkin_at, came.c.resident_key.is_not(None))
        .join(Station, Station.id == r.station_id)
        .outerjoin(came, (came.c.station_id == r.station_id) & (came.c.resident_key == r.resident_key))
        .where(*where)
    )
    if not everyone:
        query = query.where(came.c.resident_key.is_(None))
    if after is not None and after.station_id in names:
        query = query.where(
            tuple_(Station.name, last, r.resident_key)
            > tuple_(
                literal(names[after.station_id], Station.name.type),
                literal(after.last, r.last_checkin_at.type),
                literal(after.key, r.resident_key.type),
            )
        )
    people = session.execute(query.order_by(Station.name, last, r.resident_key).limit(PAGE_SIZE + 1)).all()
    shown = after.shown if after is not None and after.station_id in names else 0
    more = None
    if len(people) > PAGE_SIZE:
        people = people[:PAGE_SIZE]
        end = people[-1]
        more = After(end.station_id, end.last_checkin_at or _NEVER, end.resident_key, shown + PAGE_SIZE)
    visits = _visits(session, day, [(p.station_id, p.resident_key) for p in people])
    out, unreadable = [], 0
    for p in people:
        person = open_person(keys, p.station_id, p.resident_key, p.data_enc)
        if person is None:
            unreadable += 1
            continue
        visit = visits.get((p.station_id, p.resident_key))
        out.append(
            ResidentRow(
                station_id=p.station_id,
                station=names.get(p.station_id, p.station_id),
                key=p.resident_key,
                person=person,
                last_checkin_at=p.last_checkin_at,
                checked_in=bool(p[4]),
                visited_by=visit[0] if visit else None,
                visited_at=visit[1] if visit else None,
            )
        )
    return CheckinPage(out, total, max(0, total - checked), shown + 1, more, unreadable)


def _visits(session: Session, day: date, who: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """(station, resident) → (visited_by, visited_at) of the day's latest visit, for the rows shown."""
    if not who:
        return {}
    v = CheckinVisit
    rows = session.execute(
        select(v.station_id, v.resident_key, v.visited_by, v.visited_at)
        .where(v.day == day, v.resident_key.in_({k for _s, k in who}))
        .order_by(v.id)
    )
    wanted = set(who)
    return {(s, k): (by, at) for s, k, by, at in rows if (s, k) in wanted}
