"""The strict schema an opened (unsealed) payload must meet before it enters the hub.

One station must not be able to poison the hub for everyone: a daily check-in dated 9999-12-31,
a resident name with a lone surrogate, or a payload nested ten thousand levels deep once made the
console or a whole push answer 500. Everything a station sends is checked here, at push time, and
an item that fails becomes a per-item `invalid` with a reason (the station quarantines it); it is
never stored, so it can never reach a console page or an export.

Rules, for every kind: valid UTF-8 JSON; no NaN or Infinity; nesting at most `MAX_DEPTH`; at most
`MAX_NODES` values, `MAX_KEYS` keys per object, `MAX_TEXT` characters per string; text normalised
to NFC, with no lone surrogates and no control characters (tab, newline and carriage return
excepted). For records (all kinds but audit events and consultation votes, which have schemas of
their own): the service exists in the catalogue and fits
the kind; `created_at` lies within a window of the hub's clock; the receipt code has the form
PREFIX-NUMBER; the resident snapshot and fields are objects; a value of a catalogue "choose" step
(e.g. a problem report's category) is one of that step's options. Station-specific rules (receipt
prefix, slots offered to the station) need the database and live in services/records.py.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from server.db.types import assume_utc
from sync.protocol import RecordKind, RecordPayload

MAX_DEPTH = 8
MAX_NODES = 4000
MAX_KEYS = 200
MAX_TEXT = 20_000
MAX_KEY_LEN = 64
MAX_INT = 2**53
PAST_WINDOW = timedelta(days=3 * 366)  # a kiosk offline for a long time still delivers
FUTURE_WINDOW = timedelta(days=2)  # clock drift, time zones
CATALOGUE_DIR = Path(__file__).resolve().parents[2] / "assets" / "catalogue"
_SERVICE_KINDS = {"form", "urgent"}
_KIND_SERVICE = {
    RecordKind.HELP_CALL: "help_call",
    RecordKind.DAILY_CHECKIN: "daily_checkin",
    RecordKind.RATING: "rating",
}
_RECEIPT = re.compile(r"^(?P<prefix>[^\s\x00-\x1f\x7f-\x9f]{1,24})-(?P<seq>[0-9]{1,12})$")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class PayloadInvalid(ValueError):
    """The payload breaks a rule; the message is the reason the station shows volunteers."""


@dataclass(frozen=True)
class CheckedPayload:
    payload: dict[str, Any]
    plaintext: bytes  # what the hub stores (re-serialised when normalisation changed anything)
    record: RecordPayload | None  # None for audit events


def check(kind: RecordKind, plain: bytes, now: datetime | None = None) -> CheckedPayload:
    """Parse and check one opened payload; raises PayloadInvalid with a reason."""
    _check_depth(plain)
    try:
        # json.loads(plain, parse_constant=…) would build a decoder per item: the same steps, one decoder.
        raw = _DECODER.decode(plain.decode(json.detect_encoding(plain), "surrogatepass"))
    except PayloadInvalid:
        raise
    except UnicodeDecodeError:
        raise PayloadInvalid("sealed payload is not UTF-8 text") from None
    except (ValueError, RecursionError):
        raise PayloadInvalid("sealed payload is not a JSON document") from None
    if not isinstance(raw, dict):
        raise PayloadInvalid("sealed payload is not a JSON object")
    if _plain_text(plain) and _fits(raw, 0, [0]):
        clean, plaintext = raw, plain  # nothing to normalise: the station's bytes are kept as sent
    else:
        clean = _clean(raw, 0, "", [0])  # normalises, or raises with the reason
        assert isinstance(clean, dict)
        plaintext = plain if clean == raw else json.dumps(clean, ensure_ascii=False, sort_keys=True).encode()
    if kind is RecordKind.AUDIT_EVENT:
        if "at" in clean:
            _check_time(_parse_time(clean["at"], "at"), "at", now)
        return CheckedPayload(clean, plaintext, None)
    if kind is RecordKind.CONSULT_VOTE:
        return CheckedPayload(clean, plaintext, None)  # its own schema: services/consult.parse_vote
    try:
        record = RecordPayload.model_validate(clean)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PayloadInvalid(f"payload field {where}: {first['msg']}") from None
    _check_record(kind, record, clean, now)
    return CheckedPayload(clean, plaintext, record)


def receipt_prefix(receipt_code: str) -> str:
    match = _RECEIPT.match(receipt_code)
    if match is None:
        raise PayloadInvalid(f"receipt code {receipt_code!r} is not PREFIX-NUMBER")
    return match["prefix"]


def check_envelope_time(created_at: datetime, now: datetime | None = None) -> None:
    _check_time(created_at, "envelope created_at", now)


# --- structure -------------------------------------------------------------------------------


def _refuse_constant(name: str) -> Any:
    raise PayloadInvalid(f"{name} is not allowed in a payload")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _check_depth(plain: bytes) -> None:
    """Refuse deep nesting before json.loads recurses into it (a RecursionError was a 500)."""
    if plain.count(b"[") + plain.count(b"{") <= MAX_DEPTH:
        return
    depth = 0
    for token in _TOKENS.finditer(plain):
        char = token.group()[:1]
        if char in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise PayloadInvalid(f"payload is nested deeper than {MAX_DEPTH} levels")
        elif char in (b"]", b"}"):
            depth -= 1


def _clean(value: Any, depth: int, where: str, counter: list[int]) -> Any:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise PayloadInvalid(f"payload has more than {MAX_NODES} values")
    if depth > MAX_DEPTH:
        raise PayloadInvalid(f"payload is nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        return _text(value, where)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise PayloadInvalid(f"{where or 'a number'} is out of range")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PayloadInvalid(f"{where or 'a number'} is not a finite number")
        return value
    if isinstance(value, list):
        if len(value) > MAX_KEYS:
            raise PayloadInvalid(f"{where or 'a list'} has more than {MAX_KEYS} entries")
        return [_clean(v, depth + 1, f"{where}[{i}]", counter) for i, v in enumerate(value)]
    if isinstance(value, dict):
        if len(value) > MAX_KEYS:
            raise PayloadInvalid(f"{where or 'the payload'} has more than {MAX_KEYS} keys")
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = _text(key, f"{where}.key")
            if not name or len(name) > MAX_KEY_LEN:
                raise PayloadInvalid(f"{where or 'the payload'} has an empty or overlong key")
            path = f"{where}.{name}" if where else name
            out[name] = _clean(item, depth + 1, path, counter)
        return out
    raise PayloadInvalid(f"{where} has an unsupported value")


def _plain_text(plain: bytes) -> bool:
    """The whole document has no JSON escape, no forbidden character and is NFC already: then every
    key and text in it (each a slice of it between quotes) is too, and `_clean` would change
    nothing. The common case, checked in C over the whole text instead of value by value."""
    if b"\\" in plain:
        return False
    try:
        text = plain.decode("utf-8")
    except UnicodeDecodeError:  # json.loads also reads UTF-16 and UTF-32
        return False
    return _BAD_CHARS.search(text) is None and unicodedata.is_normalized("NFC", text)


def _fits(value: Any, depth: int, counter: list[int]) -> bool:
    """`_clean`'s limits (values, depth, keys, lengths, numbers) without building a copy or a path
    for the message: False means "let `_clean` say what is wrong"."""
    counter[0] += 1
    if counter[0] > MAX_NODES or depth > MAX_DEPTH:
        return False
    if isinstance(value, str):
        return len(value) <= MAX_TEXT
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return abs(value) <= MAX_INT
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return len(value) <= MAX_KEYS and all(_fits(v, depth + 1, counter) for v in value)
    if isinstance(value, dict):
        return len(value) <= MAX_KEYS and all(
            0 < len(key) <= MAX_KEY_LEN and _fits(item, depth + 1, counter) for key, item in value.items()
        )
    return False


def _text(value: str, where: str) -> str:
    if len(value) > MAX_TEXT:
        raise PayloadInvalid(f"{where or 'a text'} is longer than {MAX_TEXT} characters")
    bad = _BAD_CHARS.search(value)
    if bad is not None:
        what = "a lone surrogate" if "\ud800" <= bad.group() <= "\udfff" else "a control character"
        raise PayloadInvalid(f"{where or 'a text'} contains {what} (U+{ord(bad.group()):04X})")
    return unicodedata.normalize("NFC", value)


# --- records ---------------------------------------------------------------------------------


def _check_record(kind: RecordKind, record: RecordPayload, doc: dict[str, Any], now: datetime | None) -> None:
    catalogue = service_options()
    if record.service not in catalogue:
        raise PayloadInvalid(f"service {record.service!r} is not in the hub's catalogue")
    expected = _KIND_SERVICE.get(kind)
    if (expected is not None and record.service != expected) or (
        expected is None and record.service in _KIND_SERVICE.values()
    ):
        raise PayloadInvalid(f"service {record.service!r} does not fit record kind {kind.value}")
    _check_time(record.created_at, "created_at", now)
    receipt_prefix(record.receipt_code)
    if not isinstance(doc.get("resident", {}), dict) or not isinstance(doc.get("fields", {}), dict):
        raise PayloadInvalid("resident and fields must be objects")
    for key in ("name", "id_number", "phone", "address", "emergency_contact"):
        value = record.resident.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > 200):
            raise PayloadInvalid(f"resident.{key} must be a text of at most 200 characters")
    for field_id, allowed in catalogue[record.service].items():
        value = record.fields.get(field_id)
        if isinstance(value, str) and value and value not in allowed:
            raise PayloadInvalid(f"fields.{field_id} {value!r} is not an option of {record.service}")


def _parse_time(value: Any, where: str) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise PayloadInvalid(f"{where} is not a date and time") from None


def _check_time(at: datetime, where: str, now: datetime | None) -> None:
    now = now or datetime.now(UTC)
    aware = assume_utc(at)
    try:
        ok = now - PAST_WINDOW <= aware <= now + FUTURE_WINDOW
    except OverflowError:
        ok = False
    if not ok:
        raise PayloadInvalid(
            f"{where} {aware.isoformat()} is not within {PAST_WINDOW.days} days before and "
            f"{FUTURE_WINDOW.days} days after the hub's clock (check the station's clock)"
        )


@lru_cache(maxsize=1)
def service_options() -> dict[str, dict[str, frozenset[str]]]:
    """Catalogue services a station may submit → their choose steps → allowed option ids."""
    # Not catalogue services but records the kiosk makes itself: a rating of a finished request, and
    # "按错了，取消" for a help call made by mistake (fields.request_id names the call; kept, not deleted).
    found: dict[str, dict[str, frozenset[str]]] = {"rating": {}, "help_cancel": {}}
    for path in sorted(CATALOGUE_DIR.glob("*.toml")):
        doc: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        if "id" not in doc or doc.get("kind") not in _SERVICE_KINDS:
            continue
        steps = {
            str(step["id"]): frozenset(str(o["id"]) for o in step["options"])
            for step in doc.get("steps", [])
            if step.get("kind") == "choose" and step.get("options") and "id" in step
        }
        found[str(doc["id"])] = steps
    return found
