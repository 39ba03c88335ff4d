"""SQLAlchemy 2.0 tables of the station database (docs/architecture.md; what is encrypted: docs/security.md).

Columns ending in `_ct` hold AES-GCM ciphertext (models/crypto.py); `_bi` columns hold blind indexes.
Plain columns carry only what sync, queues and counters need: ids, service ids, states and times.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


class RequestState(enum.StrEnum):
    DRAFT = "DRAFT"
    QUEUED = "QUEUED"
    SENDING = "SENDING"
    SENT = "SENT"
    QUARANTINED = "QUARANTINED"
    RECEIVED = "RECEIVED"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    REJECTED = "REJECTED"


class OutboxState(enum.StrEnum):
    QUEUED = "QUEUED"
    SENDING = "SENDING"
    SENT = "SENT"
    QUARANTINED = "QUARANTINED"


class Role(enum.StrEnum):
    VOLUNTEER = "volunteer"
    ADMIN = "admin"


class Setting(Base):
    """Non-personal station settings (name, locale, idle time …), readable before unlock."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Counter(Base):
    """Monotonic local counters (receipt sequence): bumped in the same transaction as the insert."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Resident(Base):
    __tablename__ = "residents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name_ct: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_ct: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_bi: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    phone_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    phone_bi: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True, index=True)
    address_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    birth_date_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    emergency_contact_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    living_alone: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    consent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ServiceRequest(Base):
    """One submission. Its fields live in `payload_ct`, encrypted under a per-record key (`record_key_ct`,
    itself wrapped by the data key) so retention can crypto-shred a record by destroying its key."""

    __tablename__ = "requests"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    service: Mapped[str] = mapped_column(String(64), index=True)
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("residents.id"), nullable=True, index=True)
    receipt_code: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    station_seq: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=RequestState.DRAFT, index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    record_key_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    payload_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    reply_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    quarantine_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    hub_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    queued_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (Index("ix_requests_service_created", "service", "created_at"),)


class OutboxItem(Base):
    """An immutable envelope waiting for (or acknowledged by) the hub. `sealed_payload` is sealed to the
    hub's public key: the station itself cannot read it back."""

    __tablename__ = "outbox"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str | None] = mapped_column(ForeignKey("requests.id"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    station_seq: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sealed_payload: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=OutboxState.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Server failures (5xx) on this envelope in a row, across runs (sync/engine.py splits and parks by it)
    server_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class SyncState(Base):
    """Single row: enrolment and pull progress. The credential is DEK-encrypted like any secret."""

    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    hub_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    station_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    credential_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    hub_public_key: Mapped[str | None] = mapped_column(Text, nullable=True)
    pull_cursor: Mapped[int] = mapped_column(Integer, default=0)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class Notice(Base):
    __tablename__ = "notices"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN")
    published_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class AppointmentSlot(Base):
    __tablename__ = "appointment_slots"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service: Mapped[str] = mapped_column(String(64), index=True)
    option: Mapped[str | None] = mapped_column(String(64), nullable=True)
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    local_booked: Mapped[int] = mapped_column(Integer, default=0)


class CatalogueVersion(Base):
    """A `catalogue` change from the hub, kept as sent. Reserved: no hub publishes one today and the
    kiosk runs the catalogue it ships with (models/catalogue.py; docs/sync-protocol.md)."""

    __tablename__ = "catalogue_versions"
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=False)


class Volunteer(Base):
    __tablename__ = "volunteers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name_ct: Mapped[bytes] = mapped_column(LargeBinary)
    role: Mapped[str] = mapped_column(String(16), default=Role.VOLUNTEER)
    pin_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AuditEvent(Base):
    """Hash-chained: `mac` covers this event and `prev_mac`, keyed so only the station can extend it."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))
    synced: Mapped[bool] = mapped_column(Boolean, default=False)


class PulledChange(Base):
    """Every hub change this station applied, by hub sequence: written in the same transaction as the
    change and the new cursor, so a change delivered twice is recognised and applied once."""

    __tablename__ = "pulled_changes"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[str] = mapped_column(String(64))
    applied_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ParkedChange(Base):
    """A pulled hub change that could not be applied (e.g. a status for a record quarantined here):
    kept with its reason for a volunteer, while the cursor moves on. A later change of the same kind
    for the same record resolves it; so does re-applying it once the record allows (sync/parking.py)."""

    __tablename__ = "parked_changes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[str] = mapped_column(String(64), index=True)
    change_ct: Mapped[bytes] = mapped_column(
        LargeBinary
    )  # the whole change, DEK-encrypted (replies are personal)
    reason: Mapped[str] = mapped_column(Text)
    parked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)


class OutboxAttachment(Base):
    """A photo sealed to the hub key, waiting for (or done with) its chunked, resumable upload. Named
    by the SHA-256 of the sealed bytes, which never change, so an interrupted upload resumes."""

    __tablename__ = "outbox_attachments"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    uploaded_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
