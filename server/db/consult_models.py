"""Hub tables of community consultations (居民议事), laid out for a secret ballot.

Three tables hold a vote, and none links the other two: `consult_voters` holds only the
pseudonymous voter tokens (HMAC of an ID number under the consultation's voter key) that keep one
vote per resident; `consult_ballots` holds only the choice and the station, under a random id with
no time and no envelope id; `consult_rolls` holds each station's resident count for turnout.
The push ledger (`envelopes`) still records that a station sent *an* envelope, as for any record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base, Stamp, utcnow


class Consultation(Base):
    __tablename__ = "consultations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # read aloud at the kiosk
    options_json: Mapped[str] = mapped_column(Text, default="[]")  # [] = suggestions only
    allow_suggestions: Mapped[bool] = mapped_column(Boolean, default=False)
    stations_json: Mapped[str | None] = mapped_column(Text)  # station ids; None = every station
    opens_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    closes_at: Mapped[datetime | None] = mapped_column(Stamp)
    closed_at: Mapped[datetime | None] = mapped_column(Stamp)
    published_at: Mapped[datetime | None] = mapped_column(Stamp)
    result_text: Mapped[str | None] = mapped_column(Text)
    voter_key_enc: Mapped[bytes] = mapped_column(LargeBinary)  # 32 random bytes under the hub DEK
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class ConsultVoter(Base):
    """Who has voted, as tokens only: the primary key is what refuses a second vote."""

    __tablename__ = "consult_voters"

    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id"), primary_key=True)
    voter_token: Mapped[str] = mapped_column(String(64), primary_key=True)


class ConsultBallot(Base):
    """What was chosen, and at which station — never by whom or when."""

    __tablename__ = "consult_ballots"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random, not the envelope id
    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id"), index=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"))
    option: Mapped[int | None] = mapped_column(Integer)
    suggestion_enc: Mapped[bytes | None] = mapped_column(LargeBinary)


class ConsultRoll(Base):
    """A station's count of registered residents, as its latest vote reported it (turnout)."""

    __tablename__ = "consult_rolls"

    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id"), primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), primary_key=True)
    residents: Mapped[int] = mapped_column(Integer, default=0)
