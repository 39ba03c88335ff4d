"""Tables owned by the staff web console (server/console/), on the hub's declarative base.

- `console_sessions`: logged-in browsers. The cookie carries a random token; only its SHA-256 is
  stored, so a database dump cannot be replayed as a login. Each row holds its CSRF token.
- `console_audit`: who saw which personal data, and what they changed (append-only).
- `staff_stations`: which stations a `staff` user is responsible for; a staff user with none
  sees no station at all (fail closed). Supervisors and admins see every station.
- `hub_residents`, `resident_checkins`, `request_facts`: an index the console builds from pushed
  payloads (the hub learns residents only from what stations push). Names and contacts stay
  encrypted (`data_enc`); plain columns are what the check-in page and statistics filter on.
- `checkin_visits`: the "visited" action on a missing daily check-in.
- `request_topics`: topic words per request (services/topics.py), written after the push by
  services/topic_queue.py; `topic_queue`: the pushed requests whose words are still to be found.
- `console_state`: small key/value facts such as per-station warning thresholds.
- `request_stats`, `request_day_counts`, `topic_day_counts`, `topic_word_day_counts`,
  `checkin_day_counts`: what the
  statistics, topics and report pages count, kept by services/request_rollups.py in the same
  transaction as the push that stores a request and the status change that moves it (the topic
  rows: as the request leaves `topic_queue`), so a page sums a few hundred rollup rows instead of
  scanning weeks of requests.
- `request_week_counts`, `topic_week_counts`: the request and topic day rows added up by office
  week (services/console_weeks.py), kept by the same writers, for the statistics' eight weeks.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base, Stamp, utcnow


class ConsoleSession(Base):
    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Stamp)  # absolute end, whatever the activity
    ip: Mapped[str | None] = mapped_column(String(64))


class ConsoleAudit(Base):
    __tablename__ = "console_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    target: Mapped[str] = mapped_column(String(128))  # e.g. request:<uuid>, station:<name>
    station_id: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[str | None] = mapped_column(Text)  # never personal data itself
    ip: Mapped[str | None] = mapped_column(String(64))


class StaffStation(Base):
    __tablename__ = "staff_stations"

    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), primary_key=True)


class HubResident(Base):
    __tablename__ = "hub_residents"
    __table_args__ = (
        Index("ix_hub_residents_alone", "station_id", "living_alone"),
        Index("ix_hub_residents_checkin", "living_alone", "last_checkin_at"),
    )

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), primary_key=True)
    resident_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    living_alone: Mapped[bool] = mapped_column(Boolean, default=False)
    data_enc: Mapped[bytes] = mapped_column(LargeBinary)  # name, phone, address, emergency contact
    seen_at: Mapped[datetime] = mapped_column(Stamp)  # station time of the snapshot kept
    last_checkin_at: Mapped[datetime | None] = mapped_column(Stamp)
    unwell_at: Mapped[datetime | None] = mapped_column(Stamp)  # last check-in that said "我不太好"


class ResidentCheckin(Base):
    __tablename__ = "resident_checkins"
    __table_args__ = (Index("ix_resident_checkins_day", "day", "station_id"),)  # who came on a day

    station_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    resident_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # the hub's local day


class RequestFacts(Base):
    """Non-personal facts read out of a sealed payload once, so statistics need not decrypt."""

    __tablename__ = "request_facts"
    __table_args__ = (Index("ix_request_facts_slot", "slot_id"),)

    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    resident_key: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    slot_id: Mapped[str | None] = mapped_column(String(64))  # booked slot; changed when staff move it
    slot_state: Mapped[str | None] = mapped_column(String(16))  # None | confirmed | moved | refused


class CheckinVisit(Base):
    __tablename__ = "checkin_visits"
    __table_args__ = (
        Index("ix_checkin_visits_day", "station_id", "day"),
        Index("ix_checkin_visits_resident", "resident_key", "id"),  # latest outcome per resident
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"))
    resident_key: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    visited_by: Mapped[str] = mapped_column(String(64))
    visited_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    outcome: Mapped[str | None] = mapped_column(String(16))  # visited | phoned | hospital | away | other


class RequestTopic(Base):
    """One topic word found in a request (description, voice transcript or category), written at push
    time so the topics page is a GROUP BY, never a decryption."""

    __tablename__ = "request_topics"
    # The queue's topic filter; the pages count topics from the per-day rollups, not from here.
    __table_args__ = (Index("ix_request_topics_topic_request", "topic", "request_id"),)

    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    word: Mapped[str] = mapped_column(String(32), primary_key=True)
    topic: Mapped[str] = mapped_column(String(32))
    station_id: Mapped[str] = mapped_column(String(36))
    received_at: Mapped[datetime] = mapped_column(Stamp)


class ConsoleState(Base):
    __tablename__ = "console_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RequestStats(Base):
    """One work request (service request or help call) as statistics see it: the office day it
    counts on, and when it was first answered and closed (the first history step out of `new`, the
    first into done/rejected) with those delays in hours for the medians."""

    __tablename__ = "request_stats"
    __table_args__ = (
        # Covers the median query (day range, station scope, per service) without the table.
        Index("ix_request_stats_day", "day", "station_id", "service", "first_h", "close_h"),
    )

    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(36))
    service: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64), default="")  # problem category, "" for none
    day: Mapped[date] = mapped_column(Date)  # office day: hub receipt, or a paper ledger's own date
    received_at: Mapped[datetime] = mapped_column(Stamp)
    imported: Mapped[bool] = mapped_column(Boolean, default=False)  # from a paper ledger (台账)
    first_response_at: Mapped[datetime | None] = mapped_column(Stamp)
    closed_at: Mapped[datetime | None] = mapped_column(Stamp)
    first_h: Mapped[float | None] = mapped_column(Float)  # None for imported: no office timing
    close_h: Mapped[float | None] = mapped_column(Float)


class RequestDayCount(Base):
    """Work requests per office day, station, service and problem category; `closed` of them are
    done or rejected now."""

    __tablename__ = "request_day_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    station_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    service: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)


class RequestStatusCount(Base):
    """Work requests per station, service and current status: the queue's totals without a count(*)."""

    __tablename__ = "request_status_counts"

    station_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    service: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class TopicQueue(Base):
    """A pushed work request whose topic words are still to be found (services/topic_queue.py):
    written in the push transaction, deleted by the transaction that segments it and adds its
    words to `request_topics` and the topic rollups. The request's texts are read back from its
    encrypted payload, so nothing personal is kept here."""

    __tablename__ = "topic_queue"

    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(36))
    day: Mapped[date] = mapped_column(Date)  # the office day the request counts on
    topic_at: Mapped[datetime] = mapped_column(Stamp)  # request_topics.received_at (ledger time or receipt)


class TopicDayCount(Base):
    """Distinct requests per office day, station and topic (request_topics rolled up)."""

    __tablename__ = "topic_day_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    station_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class RequestWeekCount(Base):
    """Work requests per office week (its Monday), station, service and problem category: the day
    rows added up by week (services/console_weeks.py), which the statistics' eight weeks sum."""

    __tablename__ = "request_week_counts"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    station_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    service: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class TopicWeekCount(Base):
    """Distinct requests per office week, station and topic (topic_day_counts added up by week)."""

    __tablename__ = "topic_week_counts"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    station_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class TopicWordDayCount(Base):
    """Requests per office day, station, topic and word (category pseudo-words left out)."""

    __tablename__ = "topic_word_day_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    station_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    word: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class CheckinDayCount(Base):
    """Residents who checked in per office day and station and are living alone now (a resident
    whose living-alone mark changes moves their check-in days with them)."""

    __tablename__ = "checkin_day_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    station_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
