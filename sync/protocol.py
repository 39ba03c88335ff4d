"""The Yizhan sync wire protocol (v1), shared by the station and the hub (with sealing.py and
answer_signing.py, the only station modules the hub imports).

It owns the pydantic schemas of every request and response body, the limits both sides enforce,
and the canonical string that request signatures cover. It knows nothing of databases, HTTP
libraries or Qt, so either side can validate a body without pulling in the other's code.
See docs/sync-protocol.md for the prose version.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1

# Anki pushes 250 objects a chunk; a kiosk record is small, so the byte cap rarely binds.
MAX_PUSH_ITEMS = 250
MAX_PUSH_BYTES = 1024 * 1024
# CouchDB's batch size; large enough to catch up after days offline in a few round trips.
MAX_PULL_LIMIT = 500
DEFAULT_PULL_LIMIT = 500
# One sealed record; photos travel as attachments, not inside the envelope.
MAX_SEALED_B64_CHARS = 700_000
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_CHUNK_BYTES = 1024 * 1024
# Signed requests older or newer than this are refused; the hub keeps nonces at least this long.
SIGNATURE_WINDOW_SECONDS = 300

# Header names of the request-signing scheme.
H_STATION = "X-Yizhan-Station"
H_TIMESTAMP = "X-Yizhan-Timestamp"
H_NONCE = "X-Yizhan-Nonce"
H_SIGNATURE = "X-Yizhan-Signature"
H_HUB_TIME = "X-Yizhan-Hub-Time"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SHA256_HEX = r"^[0-9a-f]{64}$"


def _no_control_chars(value: str) -> str:
    # NUL and friends break PostgreSQL text columns and terminals; refuse them at the edge.
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


def _valid_base64(value: str) -> str:
    try:
        base64.b64decode(value, validate=True)
    except ValueError as exc:
        raise ValueError("not valid base64") from exc
    return value


CleanStr = Annotated[str, AfterValidator(_no_control_chars)]
Sha256Hex = Annotated[str, Field(pattern=_SHA256_HEX)]
Base64Str = Annotated[str, AfterValidator(_valid_base64)]


class _Model(BaseModel):
    # Unknown keys are refused so a typo on either side fails loudly instead of being dropped.
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecordKind(StrEnum):
    """What a pushed envelope carries; all but audit_event become hub requests."""

    SERVICE_REQUEST = "service_request"
    HELP_CALL = "help_call"
    DAILY_CHECKIN = "daily_checkin"
    RATING = "rating"
    AUDIT_EVENT = "audit_event"
    CONSULT_VOTE = "consult_vote"  # a secret ballot: no resident, no receipt (docs/security.md)


class HubStatus(StrEnum):
    """Statuses the hub owns for a pushed request (NEW until staff accept it)."""

    NEW = "new"
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    REJECTED = "rejected"


class ItemStatus(StrEnum):
    """Per-item push outcome. ACCEPTED, DUPLICATE_ACK and DUPLICATE mean "the hub has it"."""

    ACCEPTED = "accepted"
    DUPLICATE_ACK = "duplicate_ack"
    CONFLICT = "conflict"
    INVALID = "invalid"
    # A consultation vote whose voter already voted (at any station): the envelope is stored, the
    # first vote counts, this one does not. The station tells the resident at the next visit.
    DUPLICATE = "duplicate"


class ChangeKind(StrEnum):
    """Kinds of entries in a station's pull feed."""

    STATUS = "status"
    NOTICE = "notice"
    SLOT = "slot"
    CATALOGUE = "catalogue"
    HELP_ACK = "help_ack"
    WARNINGS = "warnings"  # the station's living-alone warning list (hub console), whole list each time
    CONSULTATION = "consultation"


# --- enrolment -------------------------------------------------------------------------------


RECEIPT_PREFIX = r"^[^\s\x00-\x1f\x7f-\x9f]{1,24}$"  # what stands before "-NNNN" in a receipt code


class EnrolRequest(_Model):
    """The code itself never travels: only a proof derived from it (see `enrol_proof`)."""

    protocol: int = PROTOCOL_VERSION
    code_proof: Sha256Hex
    # The station's receipt-code prefix, to be its alone. `prefix_fixed`: the station has already given
    # out codes with it, so if the hub gives it another one, its records with this one are still taken.
    receipt_prefix: Annotated[str, Field(pattern=RECEIPT_PREFIX)] | None = None
    prefix_fixed: bool = False


class EnrolResponse(_Model):
    protocol: int
    station_id: uuid.UUID
    station_name: str
    # The HMAC key for request signing, AES-256-GCM-sealed under a key derived from the code;
    # the station keeps it encrypted at rest.
    sealed_secret: Base64Str
    hub_public_key: Base64Str  # raw X25519 public key that payloads are sealed to
    hub_key_id: str
    hub_signing_keys: Annotated[list[Base64Str], Field(min_length=1, max_length=4)]  # Ed25519, current first
    server_time: datetime
    binding: Base64Str  # HMAC-SHA256 under a code-derived key over everything above but the time
    # The receipt prefix the hub gave this station for its next codes (the one asked for, or a free
    # one like it); sent only to a station that asked for one, so older stations see the answer they know.
    receipt_prefix: Annotated[str, Field(pattern=RECEIPT_PREFIX)] | None = None


class HealthResponse(_Model):
    protocol: int
    status: Literal["ok"]
    server_time: datetime
    demo: bool = False  # a demo hub (YIZHAN_HUB_DEMO=1): demo stations may join it (sync/demo_guard.py)


# --- push ------------------------------------------------------------------------------------


class Envelope(_Model):
    """One immutable record as it travels: sealed to the hub, named by a station-made UUID."""

    id: uuid.UUID
    kind: RecordKind
    station_seq: Annotated[int, Field(ge=0, le=2**62)]
    created_at: datetime
    sealed_payload: Annotated[Base64Str, Field(min_length=1, max_length=MAX_SEALED_B64_CHARS)]
    sha256: Sha256Hex  # of the decoded sealed bytes; lets the hub tell a re-push from a conflict


class PushRequest(_Model):
    protocol: int = PROTOCOL_VERSION
    items: Annotated[list[Envelope], Field(min_length=1, max_length=MAX_PUSH_ITEMS)]


class ItemResult(_Model):
    id: uuid.UUID
    status: ItemStatus
    reason: str | None = None

    @property
    def hub_has_it(self) -> bool:
        """True only for an explicit acknowledgement: the station may mark the record SENT."""
        return self.status in (ItemStatus.ACCEPTED, ItemStatus.DUPLICATE_ACK, ItemStatus.DUPLICATE)


class PushResponse(_Model):
    protocol: int
    results: list[ItemResult]


# --- pull ------------------------------------------------------------------------------------


class Change(_Model):
    """One entry of a station's feed; `data` is shaped by `kind` (see docs/sync-protocol.md)."""

    seq: int
    kind: ChangeKind
    ref_id: str
    created_at: datetime
    data: dict[str, Any]


class PullResponse(_Model):
    protocol: int
    changes: list[Change]
    next_cursor: int
    has_more: bool


# --- attachments -----------------------------------------------------------------------------


class AttachmentStart(_Model):
    protocol: int = PROTOCOL_VERSION
    sha256: Sha256Hex
    size: Annotated[int, Field(ge=1, le=MAX_ATTACHMENT_BYTES)]
    record_id: uuid.UUID | None = None


class AttachmentState(_Model):
    protocol: int
    sha256: str
    size: int
    received: int
    complete: bool


# --- errors ----------------------------------------------------------------------------------


class ErrorDetail(_Model):
    code: str
    message: str


class ErrorResponse(_Model):
    protocol: int
    error: ErrorDetail


# --- request signing -------------------------------------------------------------------------


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def signing_string(method: str, path_and_query: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """The exact bytes a request signature covers: everything that changes what the request does."""
    parts = [
        f"yizhan-v{PROTOCOL_VERSION}",
        method.upper(),
        path_and_query,
        timestamp,
        nonce,
        body_digest(body),
    ]
    return "\n".join(parts).encode("utf-8")


def sign(secret: bytes, method: str, path_and_query: str, timestamp: str, nonce: str, body: bytes) -> str:
    mac = hmac.new(secret, signing_string(method, path_and_query, timestamp, nonce, body), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def verify_signature(
    secret: bytes, signature: str, method: str, path_and_query: str, timestamp: str, nonce: str, body: bytes
) -> bool:
    expected = sign(secret, method, path_and_query, timestamp, nonce, body)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", "replace"))


# --- enrolment binding ---------------------------------------------------------------------
# The one-time code is a secret shared by the hub (as its SHA-256) and the volunteer who types it.
# Keys derived from it let the station prove it holds the code without sending it, let the hub
# seal the station secret to it, and bind the hub's keys to it, so a man in the middle of the
# enrolment can neither read the secret nor swap a key.


def normalise_enrol_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def enrol_code_digest(code: str) -> str:
    """Hex SHA-256 of the normalised code: what the hub stores, never the code itself."""
    return hashlib.sha256(normalise_enrol_code(code).encode("utf-8")).hexdigest()


def _enrol_key(code_digest: str, label: str) -> bytes:
    return hmac.new(bytes.fromhex(code_digest), label.encode("ascii"), hashlib.sha256).digest()


def enrol_proof(code_digest: str) -> str:
    return _enrol_key(code_digest, "yizhan-enrol-proof-v1").hex()


def enrol_secret_key(code_digest: str) -> bytes:
    return _enrol_key(code_digest, "yizhan-enrol-secret-v1")


def enrol_binding(code_digest: str, answer: EnrolResponse | dict[str, Any]) -> str:
    """HMAC over the answer's identity and keys; `answer` may still lack its binding."""
    doc = answer.model_dump(mode="json") if isinstance(answer, BaseModel) else answer
    parts = [
        "yizhan-enrol-v1",
        str(doc["station_id"]),
        str(doc["station_name"]),
        str(doc["sealed_secret"]),
        str(doc["hub_public_key"]),
        str(doc["hub_key_id"]),
        ",".join(str(k) for k in doc["hub_signing_keys"]),
    ]
    mac = hmac.new(
        _enrol_key(code_digest, "yizhan-enrol-mac-v1"), "\n".join(parts).encode("utf-8"), hashlib.sha256
    )
    return base64.b64encode(mac.digest()).decode("ascii")


# --- what a sealed payload decrypts to --------------------------------------------------------


class RecordPayload(BaseModel):
    """The plaintext inside a non-audit envelope. Extra keys are kept (sealed) for the console."""

    model_config = ConfigDict(extra="allow")

    service: Annotated[CleanStr, Field(min_length=1, max_length=64)]
    receipt_code: Annotated[CleanStr, Field(min_length=1, max_length=32)]
    resident: dict[str, Any] = Field(default_factory=dict)
    fields: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime


# --- consultations (居民议事) --------------------------------------------------------------------

MAX_CONSULT_OPTIONS = 6
MAX_SUGGESTION_CHARS = 500


class ConsultVotePayload(_Model):
    """The sealed plaintext of a `consult_vote` envelope: no resident, only a pseudonymous token.

    `voter_token` is HMAC-SHA256(consultation voter key, normalised ID number), the same at every
    station, so the hub can keep one vote per resident without learning who voted. `station_residents`
    is the station's count of registered residents at the time (turnout's denominator)."""

    consultation_id: uuid.UUID
    voter_token: Sha256Hex
    option: Annotated[int, Field(ge=0, lt=MAX_CONSULT_OPTIONS)] | None = None
    suggestion: Annotated[CleanStr, Field(max_length=MAX_SUGGESTION_CHARS)] | None = None
    station_residents: Annotated[int, Field(ge=0, le=10_000_000)] = 0
