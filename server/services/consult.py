"""Community consultations (居民议事) on the hub: create, send to stations, take votes, count, publish.

A consultation travels to stations through the feed like a notice (`consultation` changes, sent
again whenever it is closed or its result published). Votes come back as sealed `consult_vote`
envelopes through the ordinary push path; `screen_votes` refuses the ones that cannot count and
`store_votes` keeps the first vote per voter token. See server/db/consult_models.py for why no
table links a resident (or even a voter token) to a choice, and docs/security.md for the limits.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.core.keys import HubKeys
from server.db.consult_models import Consultation, ConsultBallot, ConsultRoll, ConsultVoter
from server.db.models import Station
from server.db.types import assume_utc
from server.services import feed
from server.services.errors import HubError
from server.services.stations import find_station
from sync.protocol import (
    MAX_CONSULT_OPTIONS,
    ChangeKind,
    ConsultVotePayload,
    Envelope,
    ItemResult,
    ItemStatus,
)

MAX_TITLE = 200
MAX_BODY = 2000
MAX_OPTION = 60


@dataclass(frozen=True)
class Draft:
    """What staff fill in; `check` says in the staff's words what is wrong."""

    title: str
    body: str
    options: tuple[str, ...] = ()
    allow_suggestions: bool = False
    stations: tuple[str, ...] = ()  # names; empty = every station
    closes_at: datetime | None = None

    def check(self, now: datetime) -> None:
        if not self.title.strip() or len(self.title) > MAX_TITLE:
            raise HubError(422, "bad_title", f"标题不能为空，最多 {MAX_TITLE} 字")
        if not self.body.strip() or len(self.body) > MAX_BODY:
            raise HubError(422, "bad_body", f"内容不能为空，最多 {MAX_BODY} 字")
        if self.options and not 2 <= len(self.options) <= MAX_CONSULT_OPTIONS:
            raise HubError(422, "bad_options", f"选项要有 2 到 {MAX_CONSULT_OPTIONS} 个，或者只收集建议")
        if any(not o.strip() or len(o) > MAX_OPTION for o in self.options):
            raise HubError(422, "bad_options", f"每个选项不能为空，最多 {MAX_OPTION} 字")
        if len(set(self.options)) != len(self.options):
            raise HubError(422, "bad_options", "选项不能重复")
        if self.closes_at is not None and assume_utc(self.closes_at) <= now:
            raise HubError(422, "bad_closes_at", "截止时间必须在以后")

    @property
    def suggestions_only(self) -> bool:
        return not self.options


def create(session: Session, keys: HubKeys, draft: Draft, created_by: str) -> Consultation:
    now = datetime.now(UTC)
    draft.check(now)
    station_ids = [_station(session, name).id for name in draft.stations] or None
    cid = str(uuid.uuid4())
    row = Consultation(
        id=cid,
        title=draft.title.strip(),
        body=draft.body.strip(),
        options_json=json.dumps([o.strip() for o in draft.options], ensure_ascii=False),
        allow_suggestions=draft.allow_suggestions or draft.suggestions_only,
        stations_json=json.dumps(station_ids) if station_ids else None,
        opens_at=now,
        closes_at=assume_utc(draft.closes_at) if draft.closes_at else None,
        voter_key_enc=keys.encrypt(os.urandom(32), _key_aad(cid)),
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    _send(session, keys, row)
    return row


def close(session: Session, keys: HubKeys, consultation_id: str) -> Consultation:
    row = get(session, consultation_id, for_update=True)
    if row.closed_at is None:
        row.closed_at = row.updated_at = datetime.now(UTC)
        _send(session, keys, row)
    return row


def publish_result(session: Session, keys: HubKeys, consultation_id: str) -> Consultation:
    """Close (if open), write the outcome as a notice to the same stations, and mark it published."""
    row = close(session, keys, consultation_id)
    if row.published_at is not None:
        return row
    text = result_text(results(session, keys, row))
    row.result_text = text
    row.published_at = row.updated_at = datetime.now(UTC)
    title = f"议事结果：{row.title}"[:MAX_TITLE]
    for station_id in _audience(row):
        name = None if station_id is None else session.get(Station, station_id)
        feed.publish_notice(session, keys, title, text, name.name if name is not None else None)
    _send(session, keys, row)
    return row


def get(session: Session, consultation_id: str, *, for_update: bool = False) -> Consultation:
    row = session.get(Consultation, consultation_id, with_for_update=for_update)
    if row is None:
        raise HubError(404, "unknown_consultation", f"no consultation {consultation_id}")
    return row


def list_all(session: Session) -> list[Consultation]:
    return list(session.scalars(select(Consultation).order_by(Consultation.created_at.desc())))


def options_of(row: Consultation) -> list[str]:
    return list(json.loads(row.options_json))


def state_of(row: Consultation, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    if row.published_at is not None:
        return "published"
    if row.closed_at is not None or (row.closes_at is not None and row.closes_at <= now):
        return "closed"
    return "open"


# --- sending to stations ------------------------------------------------------------------------


def _audience(row: Consultation) -> list[str | None]:
    return list(json.loads(row.stations_json)) if row.stations_json else [None]


def _send(session: Session, keys: HubKeys, row: Consultation) -> None:
    voter_key = keys.decrypt(row.voter_key_enc, _key_aad(row.id))
    data = {
        "id": row.id,
        "title": row.title,
        "body": row.body,
        "options": options_of(row),
        "allow_suggestions": row.allow_suggestions,
        "opens_at": row.opens_at.isoformat(),
        "closes_at": row.closes_at.isoformat() if row.closes_at else None,
        "state": state_of(row),
        "result": row.result_text,
        "voter_key": base64.b64encode(voter_key).decode("ascii"),
    }
    for station_id in _audience(row):
        feed.append_change(
            session, keys, station_id=station_id, kind=ChangeKind.CONSULTATION, ref_id=row.id, data=data
        )


def _station(session: Session, name: str) -> Station:
    found = find_station(session, name)
    if found is None:
        raise HubError(404, "unknown_station", f"没有名为 {name} 的驿站")
    return found


def _key_aad(consultation_id: str) -> str:
    return f"consultations/voter_key/{consultation_id}"


# --- votes arriving in a push -------------------------------------------------------------------


def parse_vote(payload: dict[str, Any]) -> ConsultVotePayload | str:
    """The vote, or the reason it cannot be read (the station quarantines it)."""
    try:
        return ConsultVotePayload.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"vote field {'.'.join(str(p) for p in first['loc'])}: {first['msg']}"


def screen_vote(
    conn: Connection, station_id: str, env: Envelope, vote: ConsultVotePayload
) -> ItemResult | None:
    """None when the vote may count; otherwise the per-item `invalid` answer saying why."""
    c = Consultation.__table__.c
    row = conn.execute(
        select(
            c.options_json, c.allow_suggestions, c.stations_json, c.closed_at, c.closes_at, c.published_at
        ).where(c.id == str(vote.consultation_id))
    ).first()
    if row is None:
        return _invalid(env, "no such consultation at this hub")
    if row.stations_json and station_id not in json.loads(row.stations_json):
        return _invalid(env, "this consultation was not sent to this station")
    if row.published_at is not None:
        return _invalid(env, "the result of this consultation is already published")
    ended = row.closed_at or row.closes_at
    # Votes cast offline before the close still count; the station stamps the day it was cast.
    if ended is not None and assume_utc(env.created_at).date() > ended.date():
        return _invalid(env, "the vote was cast after the consultation closed")
    options = json.loads(row.options_json)
    if options and (vote.option is None or vote.option >= len(options)):
        return _invalid(env, "the vote names no valid option")
    if not options and (vote.option is not None or not (vote.suggestion or "").strip()):
        return _invalid(env, "a suggestions-only consultation takes a suggestion, not an option")
    if vote.suggestion and not row.allow_suggestions:
        return _invalid(env, "this consultation takes no suggestions")
    return None


def _invalid(env: Envelope, reason: str) -> ItemResult:
    return ItemResult(id=env.id, status=ItemStatus.INVALID, reason=reason)


def store_votes(
    conn: Connection, keys: HubKeys, station_id: str, votes: Sequence[tuple[Envelope, ConsultVotePayload]]
) -> set[str]:
    """Store each vote whose voter has not voted yet; returns the envelope ids that were duplicates.

    The voter row and the ballot row are written by separate statements with nothing in common but
    the consultation: the ballot gets a random id, no time and no token."""
    duplicates: set[str] = set()
    insert_: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    voters, rolls = ConsultVoter.__table__, ConsultRoll.__table__
    ballots = cast(Table, ConsultBallot.__table__)
    for env, vote in votes:
        cid = str(vote.consultation_id)
        claimed = conn.execute(
            insert_(voters)
            .values(consultation_id=cid, voter_token=vote.voter_token)
            .on_conflict_do_nothing()
            .returning(voters.c.voter_token)
        ).first()
        if claimed is None:
            duplicates.add(str(env.id))
            continue
        ballot_id = str(uuid.uuid4())
        suggestion = (vote.suggestion or "").strip() or None
        conn.execute(
            ballots.insert().values(
                id=ballot_id,
                consultation_id=cid,
                station_id=station_id,
                option=vote.option,
                suggestion_enc=keys.encrypt_json(suggestion, _suggestion_aad(ballot_id))
                if suggestion
                else None,
            )
        )
        roll = insert_(rolls).values(
            consultation_id=cid, station_id=station_id, residents=vote.station_residents
        )
        conn.execute(
            roll.on_conflict_do_update(
                index_elements=["consultation_id", "station_id"],
                set_={"residents": func.max(rolls.c.residents, roll.excluded.residents)}
                if conn.dialect.name == "sqlite"
                else {"residents": func.greatest(rolls.c.residents, roll.excluded.residents)},
            )
        )
    return duplicates


def _suggestion_aad(ballot_id: str) -> str:
    return f"consult_ballots/suggestion/{ballot_id}"


# --- results ------------------------------------------------------------------------------------


@dataclass
class StationTally:
    station: str
    counts: list[int]
    suggestions: int = 0
    votes: int = 0
    residents: int = 0

    @property
    def turnout(self) -> float | None:
        return self.votes / self.residents if self.residents else None


@dataclass
class Results:
    consultation: Consultation
    options: list[str]
    stations: list[StationTally] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    @property
    def counts(self) -> list[int]:
        return [sum(t.counts[i] for t in self.stations) for i in range(len(self.options))]

    @property
    def votes(self) -> int:
        return sum(t.votes for t in self.stations)

    @property
    def residents(self) -> int:
        return sum(t.residents for t in self.stations)

    def share(self, index: int) -> float:
        total = sum(self.counts)
        return self.counts[index] / total if total else 0.0


def results(session: Session, keys: HubKeys, row: Consultation) -> Results:
    options = options_of(row)
    out = Results(consultation=row, options=options)
    names = dict(session.execute(select(Station.id, Station.name)).all())
    tallies: dict[str, StationTally] = {}

    def tally(station_id: str) -> StationTally:
        if station_id not in tallies:
            tallies[station_id] = StationTally(
                station=names.get(station_id, station_id), counts=[0] * len(options)
            )
        return tallies[station_id]

    b = ConsultBallot.__table__.c
    for station_id, option, votes in session.execute(
        select(b.station_id, b.option, func.count())
        .where(b.consultation_id == row.id)
        .group_by(b.station_id, b.option)
    ):
        t = tally(station_id)
        t.votes += votes
        if option is not None and 0 <= option < len(options):
            t.counts[option] += votes
    for ballot_id, station_id, blob in session.execute(
        select(b.id, b.station_id, b.suggestion_enc)
        .where(b.consultation_id == row.id, b.suggestion_enc.is_not(None))
        .order_by(b.id)
    ):
        out.suggestions.append(str(keys.decrypt_json(blob, _suggestion_aad(ballot_id))))
        tally(station_id).suggestions += 1
    r = ConsultRoll.__table__.c
    for station_id, residents in session.execute(
        select(r.station_id, r.residents).where(r.consultation_id == row.id)
    ):
        tally(station_id).residents = residents
    out.stations = sorted(tallies.values(), key=lambda t: t.station)
    return out


def result_text(res: Results) -> str:
    """The outcome in plain words, short enough to be read aloud at the kiosk."""
    if not res.options:
        return f"“{res.consultation.title}”共收到 {len(res.suggestions)} 条建议，谢谢大家参与。"
    counts = res.counts
    parts = "，".join(f"{name} {count} 票" for name, count in zip(res.options, counts, strict=True))
    best = max(counts) if counts else 0
    winners = [name for name, count in zip(res.options, counts, strict=True) if count == best and best > 0]
    verdict = f"得票最多的是：{'、'.join(winners)}。" if winners else "没有收到投票。"
    return f"“{res.consultation.title}”共 {res.votes} 人参加：{parts}。{verdict}谢谢大家参与。"
