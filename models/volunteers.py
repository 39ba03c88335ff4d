"""Volunteers and admins: PINs hashed with scrypt, a station-wide PIN-pad lockout that grows with
each failure, and audited sign-in.

The PIN pad asks for a PIN alone (no user name to type at a kiosk), so the lockout guards the pad
itself: after 3 wrong PINs it waits 30 s, then doubles per further failure, capped at one hour.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from models.schema import Role, Volunteer, new_id, utcnow
from models.validation import Problem, ValidationError, clean_name

if TYPE_CHECKING:
    from models.station import Actor, Station

FREE_ATTEMPTS = 3
BASE_DELAY_S = 30
MAX_DELAY_S = 3600
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}

PIN_FORMAT = Problem(
    "pin_format", "密码需要4到8位数字。", "A PIN has 4 to 8 digits.", "PIN은 4~8자리 숫자입니다."
)

PIN_TAKEN = Problem(
    "pin_taken", "这个密码已经有人在用，请换一个。", "Someone else already uses this PIN; choose another.",
    "다른 사람이 이미 쓰는 PIN입니다. 다른 PIN을 고르세요.",
)


class LockedOut(Exception):
    def __init__(self, seconds: int) -> None:
        super().__init__(f"too many wrong PINs; try again in {seconds} s")
        self.seconds = seconds


@dataclass(frozen=True)
class VolunteerRecord:
    id: str
    name: str
    role: str
    active: bool


def hash_pin(pin: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, **_SCRYPT)
    return "scrypt${n}${r}${p}${salt}${digest}".format(
        **_SCRYPT, salt=base64.b64encode(salt).decode(), digest=base64.b64encode(digest).decode()
    )


def check_pin(pin: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        candidate = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except ValueError:
        return False
    return hmac.compare_digest(candidate, base64.b64decode(digest))


def validate_pin(pin: str) -> str:
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise ValidationError(PIN_FORMAT, "pin")
    return pin


def lockout_seconds(failures: int) -> int:
    if failures < FREE_ATTEMPTS:
        return 0
    return int(min(MAX_DELAY_S, BASE_DELAY_S * 2 ** (failures - FREE_ATTEMPTS)))


class VolunteerRepo:
    def __init__(self, station: Station) -> None:
        self._s = station

    def _refuse_taken_pin(self, pin: str, except_id: str | None = None) -> None:
        """A PIN names one person: one already used by another active account is refused, so a
        sign-in (and everything audited after it) can only ever mean one volunteer."""
        with self._s.read() as session:
            rows = list(session.execute(select(Volunteer).where(Volunteer.active.is_(True))).scalars())
        if any(r.id != except_id and check_pin(pin, r.pin_hash) for r in rows):
            raise ValidationError(PIN_TAKEN, "pin")

    def add(self, name: str, pin: str, role: str, actor: Actor) -> str:
        Role(role)
        validate_pin(pin)
        self._refuse_taken_pin(pin)
        with self._s.write() as session:
            row = Volunteer(id=new_id(), role=role, pin_hash=hash_pin(pin))
            row.name_ct = self._s.cipher.encrypt_text(clean_name(name), "volunteers", "name", row.id)
            session.add(row)
            self._s.audit.append(session, actor.label, "create", f"volunteer:{row.id}", role=role)
            return row.id

    def set_pin(self, volunteer_id: str, pin: str, actor: Actor) -> None:
        validate_pin(pin)
        self._refuse_taken_pin(pin, except_id=volunteer_id)
        with self._s.write() as session:
            row = session.get(Volunteer, volunteer_id)
            if row is None:
                raise KeyError(volunteer_id)
            row.pin_hash = hash_pin(pin)
            self._s.audit.append(session, actor.label, "change", f"volunteer:{row.id}", field="pin")

    def deactivate(self, volunteer_id: str, actor: Actor) -> None:
        with self._s.write() as session:
            row = session.get(Volunteer, volunteer_id)
            if row is None:
                raise KeyError(volunteer_id)
            row.active = False
            self._s.audit.append(session, actor.label, "deactivate", f"volunteer:{row.id}")

    def list(self) -> list[VolunteerRecord]:
        with self._s.read() as session:
            rows = list(session.execute(select(Volunteer).order_by(Volunteer.created_at)).scalars())
        return [
            VolunteerRecord(r.id, self._s.cipher.decrypt_text(r.name_ct, "volunteers", "name", r.id), r.role, r.active)
            for r in rows
        ]

    def locked_for(self, now: dt.datetime | None = None) -> int:
        """Seconds the PIN pad stays locked (0 when a PIN may be tried)."""
        state = self._s.setting_raw("pin_lock", {"failures": 0, "last": None})
        wait = lockout_seconds(int(state["failures"]))
        if not wait or state["last"] is None:
            return 0
        until = dt.datetime.fromisoformat(state["last"]) + dt.timedelta(seconds=wait)
        remaining = (until - (now or utcnow())).total_seconds()
        return max(0, int(remaining + 0.999))

    def sign_in(self, pin: str, now: dt.datetime | None = None) -> VolunteerRecord | None:
        """The volunteer whose PIN this is, or None (a failure that counts toward the lockout)."""
        wait = self.locked_for(now)
        if wait:
            raise LockedOut(wait)
        with self._s.read() as session:
            rows = list(session.execute(select(Volunteer).where(Volunteer.active.is_(True))).scalars())
        match = next((r for r in rows if check_pin(pin, r.pin_hash)), None)
        with self._s.write() as session:
            if match is None:
                state = self._s.setting_raw("pin_lock", {"failures": 0, "last": None}, session)
                state = {"failures": int(state["failures"]) + 1, "last": (now or utcnow()).isoformat()}
                self._s.put_setting_raw(session, "pin_lock", state)
                self._s.audit.append(session, "kiosk", "failed_sign_in", "pin_pad", failures=state["failures"])
                return None
            self._s.put_setting_raw(session, "pin_lock", {"failures": 0, "last": None})
            self._s.audit.append(session, f"{match.role}:{match.id}", "sign_in", f"volunteer:{match.id}")
        name = self._s.cipher.decrypt_text(match.name_ct, "volunteers", "name", match.id)
        return VolunteerRecord(match.id, name, match.role, match.active)
