"""Residents: registration, look-up by ID number or phone (blind indexes), decryption with auditing.

A volunteer's or admin's read of personal data is an audit event; the kiosk identifying a resident
who typed their own ID number is recorded as `identify` without the number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.orm import Session

from models.crypto import IntegrityError
from models.schema import Resident, new_id, utcnow
from models.validation import (
    MAX_ADDRESS,
    MAX_NAME,
    Problem,
    ValidationError,
    birth_date_from_id,
    clean_name,
    clean_text,
    mask_id_number,
    normalize_id_number,
    normalize_phone,
)

if TYPE_CHECKING:
    from models.station import Actor, Station

TABLE = "residents"
ENCRYPTED = ("name", "id_number", "phone", "address", "birth_date", "emergency_contact")

DUPLICATE_ID = Problem(
    "duplicate_id",
    "这个身份证号码已经登记过了。",
    "This ID number is already registered.",
    "이미 등록된 신분증 번호입니다.",
)


@dataclass(frozen=True)
class ResidentInput:
    name: str
    id_number: str
    phone: str = ""
    address: str = ""
    living_alone: bool = False
    emergency_contact: str = ""
    consent: bool = True


@dataclass(frozen=True)
class ResidentRecord:
    id: str
    name: str
    id_number: str
    phone: str
    address: str
    birth_date: dt.date | None
    emergency_contact: str
    living_alone: bool
    consent_at: dt.datetime | None
    # A stored value failed its integrity check: every personal field is blank, `problem` says which.
    damaged: bool = False
    problem: str = ""

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def age(self) -> int | None:
        if self.birth_date is None:
            return None
        today = dt.date.today()
        return (
            today.year
            - self.birth_date.year
            - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))
        )


def clean_input(data: ResidentInput) -> ResidentInput:
    """Validate every field (raising ValidationError with a kind message) before anything is stored."""
    return ResidentInput(
        name=clean_name(data.name),
        id_number=normalize_id_number(data.id_number),
        phone=normalize_phone(data.phone) if data.phone.strip() else "",
        address=clean_text(data.address, max_length=MAX_ADDRESS),
        living_alone=bool(data.living_alone),
        emergency_contact=clean_text(data.emergency_contact, max_length=MAX_NAME + 20),
        consent=data.consent,
    )


_residents = cast(Table, Resident.__table__)
_BY_ID_NUMBER = select(_residents).where(_residents.c.id_number_bi == bindparam("bi"))


class _StoredResident(NamedTuple):
    """The columns `ResidentRepo.decrypt` reads, from a driver row (types converted here)."""

    id: str
    name_ct: bytes
    id_number_ct: bytes
    phone_ct: bytes | None
    address_ct: bytes | None
    birth_date_ct: bytes | None
    emergency_contact_ct: bytes | None
    living_alone: bool
    consent_at: dt.datetime | None

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> _StoredResident:
        *values, living_alone, consent_at = row
        consent = dt.datetime.fromisoformat(consent_at) if consent_at is not None else None
        return cls._make((*values, bool(living_alone), consent))


# The look-up by the blind index (unique, indexed): nothing personal is searched in the clear.
_LOOKUP_SQL = (
    f"SELECT {', '.join(_StoredResident._fields)} FROM {_residents.name} "
    f"WHERE {_residents.c.id_number_bi.name} = ?"
)


class ResidentRepo:
    def __init__(self, station: Station) -> None:
        self._s = station

    # -- writing ------------------------------------------------------------------
    def add(self, data: ResidentInput, actor: Actor) -> str:
        clean = clean_input(data)
        with self._s.write() as session:
            if self._find_row(session, clean.id_number) is not None:
                raise ValidationError(DUPLICATE_ID, "id_number")
            row = Resident(id=new_id(), consent_at=utcnow() if clean.consent else None)
            self._fill(row, clean)
            session.add(row)
            self._s.audit.append(session, actor.label, "create", f"resident:{row.id}")
            return row.id

    def add_many(
        self, rows: list[ResidentInput], actor: Actor, *, skip_registered: bool = False
    ) -> list[str]:
        """Bulk registration in one transaction (rows must already be clean and unique among
        themselves). With `skip_registered`, ID numbers already on file are left out — checked inside
        this same write transaction, so a registration made meanwhile cannot collide.

        One multi-row INSERT of plain values rather than an ORM object per resident: an import of
        thousands spends its time encrypting, not in the unit of work."""
        values: list[dict[str, object]] = []
        with self._s.write() as session:
            for clean in rows:
                if skip_registered and self._find_row(session, clean.id_number) is not None:
                    continue
                row_id = new_id()
                now = utcnow()
                values.append(
                    {
                        "id": row_id,
                        "consent_at": now if clean.consent else None,
                        "created_at": now,
                        "updated_at": now,
                        **self._columns(row_id, clean),
                    }
                )
            if values:
                session.execute(insert(Resident), values)
            self._s.audit.append(session, actor.label, "import", "residents", count=len(values))
        return [str(v["id"]) for v in values]

    def update(self, resident_id: str, data: ResidentInput, actor: Actor) -> None:
        clean = clean_input(data)
        with self._s.write() as session:
            row = session.get(Resident, resident_id)
            if row is None:
                raise KeyError(resident_id)
            other = self._find_row(session, clean.id_number)
            if other is not None and other.id != resident_id:
                raise ValidationError(DUPLICATE_ID, "id_number")
            self._fill(row, clean)
            row.updated_at = utcnow()
            if clean.consent and row.consent_at is None:
                row.consent_at = utcnow()
            self._s.audit.append(session, actor.label, "change", f"resident:{row.id}")

    def _fill(self, row: Resident, clean: ResidentInput) -> None:
        for column, value in self._columns(row.id, clean).items():
            setattr(row, column, value)

    def _columns(self, row_id: str, clean: ResidentInput) -> dict[str, object]:
        """The stored form of a resident: every personal field encrypted, blind indexes to find them."""
        enc = self._s.cipher.encrypt_text
        birth = birth_date_from_id(clean.id_number)
        return {
            "name_ct": enc(clean.name, TABLE, "name", row_id),
            "id_number_ct": enc(clean.id_number, TABLE, "id_number", row_id),
            "id_number_bi": self._s.index("id_number", clean.id_number),
            "phone_ct": enc(clean.phone, TABLE, "phone", row_id) if clean.phone else None,
            "phone_bi": self._s.index("phone", clean.phone) if clean.phone else None,
            "address_ct": enc(clean.address, TABLE, "address", row_id) if clean.address else None,
            "birth_date_ct": enc(birth.isoformat(), TABLE, "birth_date", row_id) if birth else None,
            "emergency_contact_ct": (
                enc(clean.emergency_contact, TABLE, "emergency_contact", row_id)
                if clean.emergency_contact
                else None
            ),
            "living_alone": clean.living_alone,
        }

    # -- reading ----------------------------------------------------------------------
    def _find_row(self, session: Session, id_number: str) -> Any:
        """The resident with this ID number as a plain row (Resident's column names, read-only), or
        None: a Core query on the session's connection, without building a tracked ORM object —
        the kiosk's identify step runs it on every look-up."""
        bi = self._s.index("id_number", id_number)
        return session.connection().execute(_BY_ID_NUMBER, {"bi": bi}).first()

    def snapshots(self, session: Session, resident_ids: set[str]) -> dict[str, ResidentRecord]:
        """These residents decrypted, read in one query on the caller's session and not audited:
        what sync seals for the hub with their requests (the system reading, no person)."""
        found: dict[str, ResidentRecord] = {}
        ids = sorted(resident_ids)
        for start in range(0, len(ids), 500):
            query = select(_residents).where(_residents.c.id.in_(ids[start : start + 500]))
            rows: list[Any] = list(session.connection().execute(query))  # Resident's column names
            for row in rows:
                found[row.id] = self.decrypt(row)
        return found

    def find_by_id_number(self, id_number: str, actor: Actor) -> ResidentRecord | None:
        """Look a resident up by the number they typed (raises ValidationError for a bad number)."""
        record = self.lookup(normalize_id_number(id_number))
        if record is not None:
            self._audit_read(actor, record.id, "identify" if not actor.is_staff else "read")
        return record

    def lookup(self, id_number: str) -> ResidentRecord | None:
        """The resident with this (normalised) ID number, decrypted, by its blind index; not audited
        (`find_by_id_number` is the audited read). One SELECT on a driver connection
        (`Station.query_rows`): the ORM session cost ten times the look-up itself."""
        rows = self._s.query_rows(_LOOKUP_SQL, (self._s.index("id_number", id_number),))
        return self.decrypt(_StoredResident.of(rows[0])) if rows else None

    def find_by_phone(self, phone: str, actor: Actor) -> list[ResidentRecord]:
        bi = self._s.index("phone", normalize_phone(phone))
        with self._s.read() as session:
            rows = list(session.execute(select(Resident).where(Resident.phone_bi == bi)).scalars())
        for row in rows:
            self._audit_read(actor, row.id, "read")
        return [self.decrypt(r) for r in rows]

    def get(self, resident_id: str, actor: Actor) -> ResidentRecord:
        with self._s.read() as session:
            row = session.get(Resident, resident_id)
        if row is None:
            raise KeyError(resident_id)
        if actor.is_staff:
            self._audit_read(actor, row.id, "read")
        return self.decrypt(row)

    def get_many(self, resident_ids: list[str], actor: Actor) -> list[ResidentRecord]:
        """Several residents in one read and one audit event (e.g. the missing check-in list)."""
        if not resident_ids:
            return []
        with self._s.read() as session:
            rows = {
                r.id: r
                for r in session.execute(select(Resident).where(Resident.id.in_(resident_ids))).scalars()
            }
        if actor.is_staff:
            with self._s.write() as session:
                self._s.audit.append(session, actor.label, "read", "residents", ids=sorted(rows))
        return [self.decrypt_or_flag(rows[i]) for i in resident_ids if i in rows]

    def list_all(self, actor: Actor, *, living_alone_only: bool = False) -> list[ResidentRecord]:
        """For volunteer screens; one audit event covers the listing. A record whose ciphertext fails
        its integrity check is listed with `damaged=True` (fields blank), never failing the others."""
        query = select(Resident).order_by(Resident.created_at)
        if living_alone_only:
            query = query.where(Resident.living_alone.is_(True))
        with self._s.read() as session:
            rows = list(session.execute(query).scalars())
        with self._s.write() as session:
            self._s.audit.append(session, actor.label, "read", "residents", count=len(rows))
        return [self.decrypt_or_flag(r) for r in rows]

    def count(self) -> int:
        with self._s.read() as session:
            return int(session.execute(select(func.count()).select_from(Resident)).scalar_one())

    def decrypt_or_flag(self, row: Resident) -> ResidentRecord:
        """The decrypted record, or a blank one flagged damaged when a stored value was tampered with."""
        try:
            return self.decrypt(row)
        except (IntegrityError, UnicodeDecodeError, ValueError) as exc:
            return ResidentRecord(
                id=row.id,
                name="",
                id_number="",
                phone="",
                address="",
                birth_date=None,
                emergency_contact="",
                living_alone=row.living_alone,
                consent_at=row.consent_at,
                damaged=True,
                problem=str(exc),
            )

    def decrypt(self, row: Resident | _StoredResident) -> ResidentRecord:
        dec = self._s.cipher.decrypt_text

        def opt(ct: bytes | None, column: str) -> str:
            return dec(ct, TABLE, column, row.id) if ct is not None else ""

        birth = opt(row.birth_date_ct, "birth_date")
        return ResidentRecord(
            id=row.id,
            name=dec(row.name_ct, TABLE, "name", row.id),
            id_number=dec(row.id_number_ct, TABLE, "id_number", row.id),
            phone=opt(row.phone_ct, "phone"),
            address=opt(row.address_ct, "address"),
            birth_date=dt.date.fromisoformat(birth) if birth else None,
            emergency_contact=opt(row.emergency_contact_ct, "emergency_contact"),
            living_alone=row.living_alone,
            consent_at=row.consent_at,
        )

    def _audit_read(self, actor: Actor, resident_id: str, action: str) -> None:
        with self._s.write() as session:
            self._s.audit.append(session, actor.label, action, f"resident:{resident_id}")
