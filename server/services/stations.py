"""Stations: one-time enrolment codes, enrolment, receipt prefixes, revocation and credential look-up."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.core.keys import HubKeys
from server.db.models import EnrolmentCode, ServiceRequest, Station
from server.services.errors import HubError

# Crockford base32 without I, L, O, U: nothing a volunteer can misread when typing it in.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LEN = 12  # 60 bits: not guessable within a code's lifetime
DEFAULT_CODE_TTL = timedelta(days=7)


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("utf-8")).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LEN))
    return "-".join(raw[i : i + 4] for i in range(0, _CODE_LEN, 4))


def find_station(session: Session, name_or_id: str) -> Station | None:
    return session.scalars(
        select(Station).where((Station.name == name_or_id) | (Station.id == name_or_id))
    ).first()


def create_enrolment_code(session: Session, name: str, ttl: timedelta = DEFAULT_CODE_TTL) -> str:
    """Issue a one-time code for station NAME (a known station re-enrols and gets a new secret)."""
    name = name.strip()
    if not name or len(name) > 64 or not name.isprintable():
        raise HubError(422, "bad_station_name", "station name must be 1-64 printable characters")
    station = find_station(session, name)
    if station is None:
        station = Station(id=str(uuid.uuid4()), name=name)
        session.add(station)
        session.flush()
    elif station.revoked_at is not None:
        raise HubError(409, "station_revoked", f"station {name} is revoked; enrol it under a new name")
    code = _new_code()
    now = datetime.now(UTC)
    session.add(EnrolmentCode(code_hash=code_hash(code), station_id=station.id, expires_at=now + ttl))
    return code


def enrol(session: Session, keys: HubKeys, code: str) -> tuple[Station, bytes]:
    """Redeem a code exactly once and return the station with its fresh signing secret."""
    return enrol_digest(session, keys, code_hash(code))


def enrol_digest(session: Session, keys: HubKeys, digest: str) -> tuple[Station, bytes]:
    """`enrol` by the code's stored SHA-256 (the station proves the code without sending it)."""
    now = datetime.now(UTC)
    # The conditional UPDATE is the single-use guarantee: of two racing redemptions one sees 0 rows.
    claimed = session.execute(
        update(EnrolmentCode)
        .where(EnrolmentCode.code_hash == digest, EnrolmentCode.used_at.is_(None))
        .where(EnrolmentCode.expires_at > now)
        .values(used_at=now)
        .returning(EnrolmentCode.station_id)
    ).first()
    if claimed is None:
        raise HubError(401, "bad_enrolment_code", "enrolment code is unknown, used or expired")
    station = session.get(Station, claimed[0])
    if station is None or station.revoked_at is not None:
        raise HubError(403, "station_revoked", "this station has been revoked")
    secret = secrets.token_bytes(32)
    station.secret_enc = keys.encrypt(secret, secret_aad(station.id))
    station.enrolled_at = now
    return station, secret


def claim_receipt_prefix(session: Session, station: Station, asked: str | None, fixed: bool) -> str | None:
    """The receipt prefix `station` is to use from now on, claimed for it alone inside the enrolment's
    transaction: the one it already holds, else the one asked for when it is free (no other station
    holds it and no other station's stored records carry it), else a free one like it (A01 → A02 …).
    When the station has already given out codes with the prefix it asked for (`fixed`) and gets
    another, the asked one is kept as its earlier prefix: the records behind those codes are still
    taken (services/records.py), and only its new codes change. Never refused, so a station that ran
    for weeks before its hub existed still joins. None: a station from before prefix claims."""
    if asked is None:
        return None
    granted = station.receipt_prefix or _claim_free(session, station, asked)
    if fixed and granted != asked:
        station.receipt_prefix_before = asked
    return granted


def _claim_free(session: Session, station: Station, asked: str) -> str:
    for candidate in _like(asked):
        if _held_elsewhere(session, station.id, candidate):
            continue
        station.receipt_prefix = candidate
        try:
            with session.begin_nested():
                session.flush()  # the unique index settles two enrolments racing for one prefix
        except IntegrityError:
            station.receipt_prefix = None
            continue
        return candidate
    raise HubError(409, "prefix_taken", f"no free receipt prefix like {asked}: give this station another")


def _like(prefix: str, tries: int = 200) -> Iterator[str]:
    """`prefix` itself, then others of its form: trailing digits counted up (A01 → A02 …), or
    digits added (A → A02 …); never longer than a prefix may be."""
    stem = prefix.rstrip("0123456789")
    digits = prefix[len(stem) :]
    width, start = max(len(digits), 2), int(digits or 1)
    yield prefix
    for n in range(start + 1, start + tries):
        candidate = f"{stem}{n:0{width}d}"
        if len(candidate) <= 24:
            yield candidate


def _held_elsewhere(session: Session, station_id: str, prefix: str) -> bool:
    holder = session.scalar(
        select(Station.id).where(Station.receipt_prefix == prefix, Station.id != station_id).limit(1)
    ) or session.scalar(
        select(ServiceRequest.station_id)
        .where(
            ServiceRequest.station_id != station_id,
            ServiceRequest.receipt_code.startswith(prefix + "-", autoescape=True),
        )
        .limit(1)
    )
    return holder is not None


def revoke(session: Session, name_or_id: str) -> Station:
    station = find_station(session, name_or_id)
    if station is None:
        raise HubError(404, "unknown_station", f"no station {name_or_id}")
    station.revoked_at = station.revoked_at or datetime.now(UTC)
    return station


def secret_aad(station_id: str) -> str:
    return f"stations/secret/{station_id}"
