"""Community consultations (居民议事) on the station: the questions the hub sent, and who took part.

Secret ballot: the choice never rests on the station in a form it can read. `sync/consult_votes.py`
seals a vote to the hub's key straight into the outbox; what stays here is `consult_participation`
— the consultation, the voter token (HMAC of the resident's ID number under the consultation's
voter key, the same at every station) and the envelope id — so the kiosk can say "您已经参加过了"
without keeping, or being able to recover, what anyone chose.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, DateTime, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.crypto import associated_data
from models.schema import Base, utcnow
from models.validation import normalize_id_number

if TYPE_CHECKING:
    from models.station import Station


class ConsultationRow(Base):
    """A consultation as the hub last sent it (plain: the question is public, read aloud)."""

    __tablename__ = "consultations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    options_json: Mapped[str] = mapped_column(Text, default="[]")
    allow_suggestions: Mapped[bool] = mapped_column(Boolean, default=False)
    opens_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    closes_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | closed | published
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    voter_key_ct: Mapped[bytes] = mapped_column(LargeBinary)  # under the station DEK


class Participation(Base):
    """That a voter took part — no choice, no time, no resident id."""

    __tablename__ = "consult_participation"
    consultation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    voter_token: Mapped[str] = mapped_column(String(64), primary_key=True)
    envelope_id: Mapped[str] = mapped_column(String(36), unique=True)
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)  # the hub had a vote from elsewhere


@dataclass(frozen=True)
class Consultation:
    id: str
    title: str
    body: str
    options: tuple[str, ...]
    allow_suggestions: bool
    closes_at: dt.datetime | None
    state: str
    result: str | None

    @property
    def suggestions_only(self) -> bool:
        return not self.options


def _naive_utc(value: Any) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _key_aad(consultation_id: str) -> bytes:
    return associated_data("consultations", "voter_key_ct", consultation_id)


def apply_change(station: Station, session: Session, data: dict[str, Any]) -> None:
    """Store (or update) a consultation from the hub's feed: new, changed, closed or published."""
    import base64

    cid = str(data["id"])
    row = session.get(ConsultationRow, cid) or ConsultationRow(id=cid)
    row.title, row.body = str(data["title"]), str(data["body"])
    row.options_json = json.dumps([str(o) for o in data.get("options", [])], ensure_ascii=False)
    row.allow_suggestions = bool(data.get("allow_suggestions", False))
    row.opens_at = _naive_utc(data.get("opens_at")) or utcnow()
    row.closes_at = _naive_utc(data.get("closes_at"))
    row.state = str(data.get("state", "open"))
    row.result = data.get("result")
    row.voter_key_ct = station.cipher.encrypt(base64.b64decode(data["voter_key"]), _key_aad(cid))
    session.add(row)


def _view(row: ConsultationRow) -> Consultation:
    return Consultation(
        id=row.id,
        title=row.title,
        body=row.body,
        options=tuple(json.loads(row.options_json)),
        allow_suggestions=row.allow_suggestions,
        closes_at=row.closes_at,
        state=row.state,
        result=row.result,
    )


def is_open(row: ConsultationRow, now: dt.datetime) -> bool:
    return row.state == "open" and row.opens_at <= now and (row.closes_at is None or now < row.closes_at)


def open_consultations(station: Station, now: dt.datetime | None = None) -> list[Consultation]:
    """What the home screen offers right now, newest first."""
    now = now or utcnow()
    with station.read() as session:
        rows = session.execute(select(ConsultationRow).where(ConsultationRow.state == "open")).scalars()
        return [_view(r) for r in sorted(rows, key=lambda r: r.opens_at, reverse=True) if is_open(r, now)]


def get(station: Station, consultation_id: str) -> Consultation | None:
    with station.read() as session:
        row = session.get(ConsultationRow, consultation_id)
        return _view(row) if row is not None else None


def voter_token(station: Station, session: Session, consultation_id: str, id_number: str) -> str:
    """HMAC-SHA256 of the normalised ID number under the consultation's voter key (hex)."""
    row = session.get(ConsultationRow, consultation_id)
    if row is None:
        raise KeyError(consultation_id)
    key = station.cipher.decrypt(row.voter_key_ct, _key_aad(consultation_id))
    return hmac.new(key, normalize_id_number(id_number).encode("ascii"), hashlib.sha256).hexdigest()


def participation(station: Station, consultation_id: str, id_number: str) -> str | None:
    """None if this resident has not taken part here; "voted", or "duplicate" when the hub told us
    an earlier vote from another station is the one that counts."""
    with station.read() as session:
        token = voter_token(station, session, consultation_id, id_number)
        row = session.get(Participation, (consultation_id, token))
        if row is None:
            return None
        return "duplicate" if row.duplicate else "voted"


def record_participation(session: Session, consultation_id: str, token: str, envelope_id: str) -> None:
    session.add(Participation(consultation_id=consultation_id, voter_token=token, envelope_id=envelope_id))


def mark_duplicates(session: Session, envelope_ids: list[str]) -> None:
    """The hub kept an earlier vote of these voters (cast at another station)."""
    if not envelope_ids:
        return
    rows = session.execute(select(Participation).where(Participation.envelope_id.in_(envelope_ids))).scalars()
    for row in rows:
        row.duplicate = True
