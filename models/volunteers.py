"""Volunteers and admins: peppered PIN verifiers, a station-wide PIN-pad lockout that grows with
each failure, and audited sign-in.

The PIN pad asks for a PIN alone (no user name to type at a kiosk), so the lockout guards the pad
itself: after 3 wrong PINs it waits 30 s, then doubles per further failure, capped at one hour. For
the same reason two active accounts may never share a PIN.

A PIN has only 10^4–10^8 values, so a salted scrypt hash alone falls to an offline guesser in
minutes. The stored verifier is therefore HMAC(pepper, scrypt(PIN, salt)); the pepper is derived
from a key wrapped in station.key, so a stolen database without the passphrase cannot be tested
against any guess. Verifiers written before the pepper existed (`scrypt$…`) are wrapped in place at
the next unlock (HMAC over the stored digest — no PIN needed), see `pepper_legacy_hashes`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.schema import Role, Volunteer, new_id, utcnow
from models.validation import Problem, ValidationError, clean_name

if TYPE_CHECKING:
    from models.station import Actor, Station

FREE_ATTEMPTS = 3
BASE_DELAY_S = 30
MAX_DELAY_S = 3600
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
SCHEME = "pscrypt"  # peppered scrypt; "scrypt" is the pre-pepper format, upgraded at unlock
LEGACY_SCHEME = "scrypt"
# The most common 4-digit PINs in leaked-PIN studies (DataGenetics, 3.4 million PINs): together they
# cover about a fifth of all choices. Same-digit runs and ±1 sequences are refused by rule below.
_COMMON_PINS = frozenset(
    {
        "1234",
        "1111",
        "0000",
        "1212",
        "7777",
        "1004",
        "2000",
        "4444",
        "2222",
        "6969",
        "9999",
        "3333",
        "5555",
        "6666",
        "1122",
        "1313",
        "8888",
        "4321",
        "2001",
        "1010",
        "123456",
        "654321",
        "123123",
        "112233",
        "121212",
        "520520",
        "5201314",
        "12345678",
        "88888888",
        "666666",
        "888888",
        "000000",
    }
)

PIN_FORMAT = Problem(
    "pin_format", "密码需要4到8位数字。", "A PIN has 4 to 8 digits.", "PIN은 4~8자리 숫자입니다."
)
PIN_WEAK = Problem(
    "pin_weak",
    "这个密码太容易被猜到（比如1234、1111），请换一个不好猜的数字。",
    "This PIN is too easy to guess (like 1234 or 1111). Please choose a less obvious one.",
    "이 PIN은 너무 쉽게 추측됩니다(예: 1234, 1111). 다른 숫자를 골라 주세요.",
)
PIN_TAKEN = Problem(
    "pin_taken",
    "这个密码已经有别的账号在用，请换一个。",
    "Another active account already uses this PIN. Please choose a different one.",
    "다른 계정이 이미 사용 중인 PIN입니다. 다른 PIN을 골라 주세요.",
)

LAST_ADMIN = Problem(
    "last_admin",
    "这是最后一位管理员，不能停用；请先添加另一位管理员。",
    "This is the last active admin and cannot be disabled; add another admin first.",
    "마지막 관리자는 비활성화할 수 없습니다. 먼저 다른 관리자를 추가해 주세요.",
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


def _pepper(pepper: bytes, digest: bytes) -> bytes:
    return hmac.new(pepper, b"yizhan-pin\x00" + digest, hashlib.sha256).digest()


def _format(scheme: str, n: int, r: int, p: int, salt: bytes, value: bytes) -> str:
    return f"{scheme}${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(value).decode()}"


def hash_pin(pin: str, pepper: bytes) -> str:
    """The stored verifier: HMAC(pepper, scrypt(PIN, salt)), never the bare scrypt digest."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, **_SCRYPT)
    return _format(SCHEME, _SCRYPT["n"], _SCRYPT["r"], _SCRYPT["p"], salt, _pepper(pepper, digest))


def check_pin(pin: str, stored: str, pepper: bytes) -> bool:
    try:
        scheme, n, r, p, salt, value = stored.split("$")
        if scheme != SCHEME:
            return False  # unpeppered verifiers are upgraded at unlock; never accepted as they are
        digest = hashlib.scrypt(
            pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(_pepper(pepper, digest), base64.b64decode(value))


def pepper_legacy_hash(stored: str, pepper: bytes) -> str | None:
    """A pre-pepper `scrypt$…` verifier wrapped with the pepper (same PIN still matches), or None
    when it is already peppered or unreadable."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != LEGACY_SCHEME:
            return None
        return _format(
            SCHEME, int(n), int(r), int(p), base64.b64decode(salt), _pepper(pepper, base64.b64decode(digest))
        )
    except ValueError:
        return None


def is_weak_pin(pin: str) -> bool:
    """Same digit throughout, a ±1 run (1234, 8765, 7890), or one of the most common PINs."""
    if len(set(pin)) == 1 or pin in _COMMON_PINS:
        return True
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(pin)}
    return steps in ({1}, {9})


def validate_pin(pin: str, *, check_strength: bool = True) -> str:
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise ValidationError(PIN_FORMAT, "pin")
    if check_strength and is_weak_pin(pin):
        raise ValidationError(PIN_WEAK, "pin")
    return pin


def lockout_seconds(failures: int) -> int:
    if failures < FREE_ATTEMPTS:
        return 0
    return int(min(MAX_DELAY_S, BASE_DELAY_S * 2 ** (failures - FREE_ATTEMPTS)))


class VolunteerRepo:
    def __init__(self, station: Station) -> None:
        self._s = station

    def _check_unused(self, session: Session, pin: str, except_id: str | None = None) -> None:
        """Refuse a PIN another active account already has: the pad signs in by PIN alone."""
        rows = session.execute(select(Volunteer).where(Volunteer.active.is_(True))).scalars()
        if any(r.id != except_id and check_pin(pin, r.pin_hash, self._s.pin_pepper) for r in rows):
            raise ValidationError(PIN_TAKEN, "pin")

    def add(self, name: str, pin: str, role: str, actor: Actor, *, check_strength: bool = True) -> str:
        """A new account. `check_strength=False` only for the demo station's published PINs."""
        Role(role)
        validate_pin(pin, check_strength=check_strength)
        clean = clean_name(name)
        with self._s.write() as session:
            self._check_unused(session, pin)
            row = Volunteer(id=new_id(), role=role, pin_hash=hash_pin(pin, self._s.pin_pepper))
            row.name_ct = self._s.cipher.encrypt_text(clean, "volunteers", "name", row.id)
            session.add(row)
            self._s.audit.append(session, actor.label, "create", f"volunteer:{row.id}", role=role)
            return row.id

    def set_pin(self, volunteer_id: str, pin: str, actor: Actor) -> None:
        validate_pin(pin)
        with self._s.write() as session:
            row = session.get(Volunteer, volunteer_id)
            if row is None:
                raise KeyError(volunteer_id)
            self._check_unused(session, pin, except_id=volunteer_id)
            row.pin_hash = hash_pin(pin, self._s.pin_pepper)
            self._s.audit.append(session, actor.label, "change", f"volunteer:{row.id}", field="pin")

    def deactivate(self, volunteer_id: str, actor: Actor) -> None:
        """Disable an account. The last active admin stays: without one nobody could manage the station."""
        with self._s.write() as session:
            row = session.get(Volunteer, volunteer_id)
            if row is None:
                raise KeyError(volunteer_id)
            if row.role == Role.ADMIN and row.active:
                admins = session.execute(
                    select(func.count())
                    .select_from(Volunteer)
                    .where(Volunteer.active.is_(True), Volunteer.role == Role.ADMIN)
                ).scalar_one()
                if admins <= 1:
                    raise ValidationError(LAST_ADMIN, "volunteer")
            row.active = False
            self._s.audit.append(session, actor.label, "deactivate", f"volunteer:{row.id}")

    def list(self) -> list[VolunteerRecord]:
        with self._s.read() as session:
            rows = list(session.execute(select(Volunteer).order_by(Volunteer.created_at)).scalars())
        return [
            VolunteerRecord(
                r.id, self._s.cipher.decrypt_text(r.name_ct, "volunteers", "name", r.id), r.role, r.active
            )
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

    def sign_in(
        self, pin: str, now: dt.datetime | None = None, *, volunteer_id: str | None = None
    ) -> VolunteerRecord | None:
        """The volunteer whose PIN this is, or None (a failure that counts toward the lockout).

        With `volunteer_id` (the name chosen on the sign-in screen) only that person's PIN is
        accepted: another person's PIN typed under a wrong name is a failed attempt, audited as
        one against the chosen name, and nobody is signed in."""
        wait = self.locked_for(now)
        if wait:
            raise LockedOut(wait)
        query = select(Volunteer).where(Volunteer.active.is_(True))
        if volunteer_id is not None:
            query = query.where(Volunteer.id == volunteer_id)
        with self._s.read() as session:
            rows = list(session.execute(query).scalars())
        match = next((r for r in rows if check_pin(pin, r.pin_hash, self._s.pin_pepper)), None)
        with self._s.write() as session:
            if match is None:
                state = self._s.setting_raw("pin_lock", {"failures": 0, "last": None}, session)
                state = {"failures": int(state["failures"]) + 1, "last": (now or utcnow()).isoformat()}
                self._s.put_setting_raw(session, "pin_lock", state)
                target = f"volunteer:{volunteer_id}" if volunteer_id is not None else "pin_pad"
                self._s.audit.append(session, "kiosk", "failed_sign_in", target, failures=state["failures"])
                return None
            self._s.put_setting_raw(session, "pin_lock", {"failures": 0, "last": None})
            self._s.audit.append(session, f"{match.role}:{match.id}", "sign_in", f"volunteer:{match.id}")
        name = self._s.cipher.decrypt_text(match.name_ct, "volunteers", "name", match.id)
        return VolunteerRecord(match.id, name, match.role, match.active)


def pepper_legacy_hashes(session: Session, pepper: bytes) -> int:
    """Wrap every pre-pepper verifier with the pepper, inside the caller's (unlock) transaction.
    Returns how many were upgraded."""
    upgraded = 0
    for row in session.execute(select(Volunteer)).scalars():
        new = pepper_legacy_hash(row.pin_hash, pepper)
        if new is not None:
            row.pin_hash = new
            upgraded += 1
    return upgraded
