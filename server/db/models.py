"""Hub database models (SQLAlchemy 2.0 typed mappings).

Owned here: stations and their credentials, enrolment codes, replay nonces, the push ledger
(`envelopes`), requests with their history, staff users, notices, appointment slots, catalogue
versions, help-call acks, check-ins, the change feed stations pull, attachments, and failed
login/enrolment attempts per client address (the throttle's shared count).
Columns ending in `_enc` hold AES-GCM ciphertext under the hub DEK (server/core/keys.py); plain
columns hold only what the console must filter or count on (service, receipt code, status).
UUIDs are stored as 36-char strings so SQLite and PostgreSQL share one schema.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from server.db.types import UtcDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


Stamp = UtcDateTime()  # aware UTC on every backend (server/db/types.py)


class Station(Base):
    __tablename__ = "stations"
    # A receipt prefix belongs to one station: claimed at enrolment (services/stations.py), it is
    # what the station's records must carry (services/records.py). None: enrolled before claims.
    # `receipt_prefix_before`: the prefix of codes it gave out before the hub gave it another one.
    __table_args__ = (Index("ux_stations_receipt_prefix", "receipt_prefix", unique=True),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    receipt_prefix: Mapped[str | None] = mapped_column(String(24))
    receipt_prefix_before: Mapped[str | None] = mapped_column(String(24))
    secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # HMAC key; None until enrolled
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    enrolled_at: Mapped[datetime | None] = mapped_column(Stamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Stamp)
    last_seen_at: Mapped[datetime | None] = mapped_column(Stamp)


class EnrolmentCode(Base):
    __tablename__ = "enrolment_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256; the code is shown once
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Stamp)
    used_at: Mapped[datetime | None] = mapped_column(Stamp)


class RequestNonce(Base):
    """Nonces of signed requests seen within the signature window; the PK refuses a replay."""

    __tablename__ = "request_nonces"

    station_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, index=True)


class EnvelopeRow(Base):
    """The push ledger: one row per record id ever accepted. Its PK is the idempotency key."""

    __tablename__ = "envelopes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    station_seq: Mapped[int] = mapped_column(BigInteger)
    content_sha256: Mapped[str] = mapped_column(String(64))
    station_created_at: Mapped[datetime] = mapped_column(Stamp)
    received_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


_OPEN_WORK = "kind IN ('service_request', 'help_call') AND status IN ('new', 'received', 'in_progress')"


class ServiceRequest(Base):
    __tablename__ = "requests"
    __table_args__ = (
        Index("ix_requests_station_receipt", "station_id", "receipt_code"),
        # The console's work queue: newest first, optionally per status / station / kind.
        Index("ix_requests_received", "received_at"),
        Index("ix_requests_status_received", "status", "received_at"),
        Index("ix_requests_station_received", "station_id", "received_at"),
        Index("ix_requests_kind_status", "kind", "status"),
        # Work requests only, in the queue's keyset order (console_queue.py; migration 0009).
        Index(
            "ix_requests_work_received",
            "received_at",
            "station_created_at",
            "id",
            postgresql_where=text("kind IN ('service_request', 'help_call')"),
            sqlite_where=text("kind IN ('service_request', 'help_call')"),
        ),
        # Open work requests only, same order: the default queue view (migration 0010).
        Index(
            "ix_requests_open_work",
            "received_at",
            "station_created_at",
            "id",
            postgresql_where=text(_OPEN_WORK),
            sqlite_where=text(_OPEN_WORK),
        ),
    )

    id: Mapped[str] = mapped_column(ForeignKey("envelopes.id"), primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    service: Mapped[str] = mapped_column(String(64), index=True)
    receipt_code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    payload_enc: Mapped[bytes] = mapped_column(LargeBinary)  # resident PII + fields
    reply_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    department: Mapped[str | None] = mapped_column(String(64))  # 分派 target (console)
    station_created_at: Mapped[datetime] = mapped_column(Stamp)
    received_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class RequestHistory(Base):
    __tablename__ = "request_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)


class StationAuditEvent(Base):
    __tablename__ = "station_audit_events"

    id: Mapped[str] = mapped_column(ForeignKey("envelopes.id"), primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), index=True)
    payload_enc: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(Stamp)
    last_login_at: Mapped[datetime | None] = mapped_column(Stamp)


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_id: Mapped[str | None] = mapped_column(ForeignKey("stations.id"))  # None = every station
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(Stamp)


class AppointmentSlot(Base):
    __tablename__ = "appointment_slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_id: Mapped[str | None] = mapped_column(ForeignKey("stations.id"))
    service: Mapped[str] = mapped_column(String(64))
    option: Mapped[str | None] = mapped_column(String(64))  # e.g. health_check within "appointment"
    starts_at: Mapped[datetime] = mapped_column(Stamp)
    ends_at: Mapped[datetime] = mapped_column(Stamp)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class CatalogueVersion(Base):
    __tablename__ = "catalogue_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    content: Mapped[str] = mapped_column(Text)  # the catalogue document as published (not PII)
    published_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class HelpCallAck(Base):
    __tablename__ = "help_call_acks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    acked_by: Mapped[str] = mapped_column(String(64))
    acked_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    message: Mapped[str | None] = mapped_column(Text)


class CheckIn(Base):
    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_station_day", "station_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), unique=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"))
    day: Mapped[date] = mapped_column(Date)
    checked_in_at: Mapped[datetime] = mapped_column(Stamp)


class ChangeRow(Base):
    """The change feed. `seq` is hub-wide, assigned under the feed lock, so it follows commit order."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_station_seq", "station_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    station_id: Mapped[str | None] = mapped_column(ForeignKey("stations.id"))  # None = broadcast
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[str] = mapped_column(String(64))
    data_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Attachment(Base):
    __tablename__ = "attachments"

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    record_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class AttachmentChunk(Base):
    """Chunks live in the database so any hub process can continue an upload another began."""

    __tablename__ = "attachment_chunks"
    __table_args__ = (UniqueConstraint("station_id", "sha256", "offset"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(String(36))
    sha256: Mapped[str] = mapped_column(String(64))
    offset: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class FailedAttempt(Base):
    """A failed console login or enrolment-code guess, by client address. The throttle
    (server/api/throttle.py) counts them here so every hub process (`serve --workers N`) sees the
    same count; rows older than the window are deleted as new ones come (services/attempts.py)."""

    __tablename__ = "failed_attempts"
    __table_args__ = (Index("ix_failed_attempts_scope_address_at", "scope", "address", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(16))  # "login" or "enrol"
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Stamp, index=True)
