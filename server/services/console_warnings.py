"""独居老人预警: living-alone residents who have not checked in for N days (per station, default 2).

Read from the resident index the push keeps (resident_index.py): no decryption but the names of
the residents listed, and the phone number only when a permitted viewer asks (the route audits it).
On top come residents whose latest check-in said "我不太好", then the others by level and days missed. A
visit outcome recorded after the last check-in marks a warning as handled (it stays listed, lower,
until the resident checks in again). Levels escalate with days missed beyond the threshold:
1 (注意) at N, 2 (警示) at N+2, 3 (严重) at N+5 days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import Session

from server.core.keys import HubKeys
from server.db.console_models import CheckinVisit, ConsoleState, HubResident
from server.db.models import Station
from server.services import feed
from server.services.errors import HubError
from server.services.resident_index import local_day, open_person
from sync.protocol import ChangeKind

DEFAULT_DAYS = 2
MAX_ROWS = 300  # the list sent to a station, and the export
PAGE_SIZE = 50  # the console page
OUTCOMES = {"visited": "已上门", "phoned": "电话联系", "hospital": "住院", "away": "外出", "other": "其他"}
LEVELS = {1: "注意", 2: "警示", 3: "严重"}


@dataclass(frozen=True)
class Warning:
    station_id: str
    station: str
    key: str
    name: str
    days_missed: int
    last_checkin_at: datetime | None
    unwell_at: datetime | None
    level: int  # 1..3, or 3 for "我不太好"
    outcome: str | None  # latest visit outcome since the last check-in
    outcome_by: str | None
    outcome_at: datetime | None

    @property
    def unwell(self) -> bool:
        return self.unwell_at is not None


def _threshold_key(station_id: str) -> str:
    return f"warn_days:{station_id}"


def thresholds(session: Session) -> dict[str, int]:
    """station id → days without a check-in that start a warning (stations not listed: DEFAULT_DAYS)."""
    rows = session.execute(
        select(ConsoleState.key, ConsoleState.value).where(ConsoleState.key.like("warn_days:%"))
    )
    return {k.removeprefix("warn_days:"): int(v) for k, v in rows if v.isdigit()}


def set_threshold(session: Session, station_id: str, days: int) -> None:
    if not 1 <= days <= 14:
        raise HubError(422, "bad_days", "days must be 1–14")
    if session.get(Station, station_id) is None:
        raise HubError(404, "unknown_station", "no such station")
    row = session.get(ConsoleState, _threshold_key(station_id))
    if row is None:
        session.add(ConsoleState(key=_threshold_key(station_id), value=str(days)))
    else:
        row.value = str(days)


def level_for(days_missed: int, threshold: int) -> int:
    return 3 if days_missed >= threshold + 5 else 2 if days_missed >= threshold + 2 else 1


def load(
    session: Session,
    keys: HubKeys,
    scope: Sequence[str] | None,
    tz: ZoneInfo,
    now: datetime | None = None,
    *,
    station: str | None = None,
    offset: int = 0,
    limit: int = MAX_ROWS,
    limits: dict[str, int] | None = None,
    names: dict[str, str] | None = None,
) -> tuple[list[Warning], int]:
    """Warnings best first (open before handled, "我不太好", then level and days missed), `limit` of
    them from `offset`; and how many there are. The order is worked out on plain columns for every
    warning; only the names shown are decrypted. `limits` (`thresholds`) and `names` (station id →
    name, at least the stations in scope) when the caller has read them already."""
    now = now or datetime.now(UTC)
    today = now.astimezone(tz).date()
    limits = thresholds(session) if limits is None else limits
    smallest = min([DEFAULT_DAYS, *limits.values()])
    # Anyone whose last check-in (or, never checked in, first sight) is before the earliest cutoff,
    # or whose last check-in said "我不太好".
    cutoff = datetime.combine(today - timedelta(days=smallest - 1), datetime.min.time(), tz).astimezone(UTC)
    r = HubResident
    query = select(r.station_id, r.resident_key, r.last_checkin_at, r.seen_at, r.unwell_at).where(
        r.living_alone.is_(True),
        or_(r.last_checkin_at < cutoff, r.last_checkin_at.is_(None), r.unwell_at == r.last_checkin_at),
    )
    if scope is not None:
        query = query.where(r.station_id.in_(list(scope)))
    if station:
        query = query.where(r.station_id == station)
    if names is None:
        names = dict(session.execute(select(Station.id, Station.name)).all())
    found: list[tuple[Any, int, bool]] = []
    for row in session.execute(query):
        last = row.last_checkin_at
        since = last or row.seen_at
        assert since is not None
        missed = (today - local_day(since, tz)).days
        unwell = row.unwell_at is not None and last is not None and row.unwell_at == last
        if unwell or missed >= limits.get(row.station_id, DEFAULT_DAYS):
            found.append((row, missed, unwell))
    visits = _latest_outcomes(session, query, {(f[0].station_id, f[0].resident_key) for f in found})
    ranked = []
    for row, missed, unwell in found:
        last = row.last_checkin_at
        visit = visits.get((row.station_id, row.resident_key))
        if visit is not None and last is not None and visit.visited_at < last:
            visit = None  # visited before the last check-in: an older episode
        level = 3 if unwell else level_for(missed, limits.get(row.station_id, DEFAULT_DAYS))
        ranked.append((row, missed, unwell, level, visit))
    # Handled warnings (an outcome since the last check-in) go below the open ones; then the most
    # urgent level, then the most days (levels depend on each station's own threshold).
    ranked.sort(key=lambda w: (w[4] is not None, not w[2], -w[3], -w[1], w[0].station_id, w[0].resident_key))
    blobs = _snapshots(
        session, [(w[0].station_id, w[0].resident_key) for w in ranked[offset : offset + limit]]
    )
    out = []
    for row, missed, unwell, level, visit in ranked[offset : offset + limit]:
        blob = blobs.get((row.station_id, row.resident_key))
        person = open_person(keys, row.station_id, row.resident_key, blob) if blob is not None else None
        if person is None:
            person = {"name": "（无法显示）"}  # still listed: this resident may need a visit all the same
        out.append(
            Warning(
                station_id=row.station_id,
                station=names.get(row.station_id, row.station_id),
                key=row.resident_key,
                name=str(person.get("name") or "—"),
                days_missed=missed,
                last_checkin_at=row.last_checkin_at,
                unwell_at=row.last_checkin_at if unwell else None,
                level=level,
                outcome=visit.outcome if visit else None,
                outcome_by=visit.visited_by if visit else None,
                outcome_at=visit.visited_at if visit else None,
            )
        )
    return out, len(found)


def _snapshots(session: Session, who: list[tuple[str, str]]) -> dict[tuple[str, str], bytes]:
    """The sealed snapshots of the residents shown (and only theirs)."""
    if not who:
        return {}
    r = HubResident
    rows = session.execute(
        select(r.station_id, r.resident_key, r.data_enc).where(tuple_(r.station_id, r.resident_key).in_(who))
    )
    return {(sid, key): blob for sid, key, blob in rows}


def _latest_outcomes(
    session: Session, residents: Any, wanted: set[tuple[str, str]]
) -> dict[tuple[str, str], Any]:
    """(station, resident) → the latest recorded visit (outcome, visited_by, visited_at) of the
    `wanted` ones among the `residents` query's: plain columns, one round trip."""
    if not wanted:
        return {}
    v, listed = CheckinVisit, residents.subquery()
    latest: dict[tuple[str, str], Any] = {}
    for row in session.execute(
        select(v.station_id, v.resident_key, v.outcome, v.visited_by, v.visited_at)
        .join(listed, (listed.c.station_id == v.station_id) & (listed.c.resident_key == v.resident_key))
        .order_by(v.id)
    ):
        if (row.station_id, row.resident_key) in wanted:
            latest[(row.station_id, row.resident_key)] = row
    return latest


def phone_of(session: Session, keys: HubKeys, station_id: str, key: str) -> str:
    row = session.get(HubResident, (station_id, key))
    if row is None:
        raise HubError(404, "unknown_resident", "no such resident at this station")
    person = open_person(keys, station_id, key, row.data_enc) or {}
    return str(person.get("phone") or "")


def record_outcome(
    session: Session,
    keys: HubKeys,
    station_id: str,
    key: str,
    outcome: str,
    note: str | None,
    by: str,
    day: date,
) -> CheckinVisit:
    if outcome not in OUTCOMES:
        raise HubError(422, "bad_outcome", "unknown visit outcome")
    if session.get(HubResident, (station_id, key)) is None:
        raise HubError(404, "unknown_resident", "no such resident at this station")
    visit = CheckinVisit(
        station_id=station_id,
        resident_key=key,
        day=day,
        visited_by=by,
        visited_at=datetime.now(UTC),
        outcome=outcome,
    )
    if note:
        visit.note_enc = keys.encrypt_json(note, f"checkin_visits/note/{station_id}/{key}/{day}")
    session.add(visit)
    session.flush()
    return visit


def push_to_station(
    session: Session, keys: HubKeys, station_id: str, warnings: Sequence[Warning], tz: ZoneInfo
) -> int:
    """Send the station's current list to its volunteers as one feed change (kind `warnings`):
    the whole list each time, so the newest change replaces the older one on the station."""
    rows = [
        {
            "resident_key": w.key,
            "name": w.name,
            "days_missed": w.days_missed,
            "level": w.level,
            "unwell": w.unwell,
            "last_checkin_at": w.last_checkin_at.isoformat() if w.last_checkin_at else None,
            "outcome": w.outcome,
        }
        for w in warnings
        if w.station_id == station_id
    ]
    data = {"station_id": station_id, "generated_at": datetime.now(UTC).isoformat(), "warnings": rows}
    return feed.append_change(
        session,
        keys,
        station_id=station_id,
        kind=ChangeKind.WARNINGS,
        ref_id=f"warnings:{datetime.now(tz).date().isoformat()}",
        data=data,
    )
