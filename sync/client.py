"""The station's HTTP client for the hub: enrol, push, pull, attachment upload.

It owns transport, request signing and the rule "only a 2xx with a valid protocol body counts".
It keeps no state but the credential and a clock offset, so the outbox (sync/outbox.py) and the
engine decide what to send and what to mark SENT; every failure surfaces as a typed exception
(`retryable` says whether the loop may try again):

- Offline:       could not reach the hub at all (no route, refused, DNS). Retry with back-off.
- Transient:     reached something but the exchange failed (5xx, 429, cut connection, stall).
                 The request may or may not have been applied: re-send the same envelopes and
                 the hub's per-id idempotency turns a lost ack into duplicate_ack.
- AuthRefused:   401/403 (unknown or revoked station, bad signature, replay). Not retryable.
- ProtocolError: a response that is not the protocol (a captive portal's HTML 200, a redirect,
                 malformed JSON, missing per-item results). Retry with back-off; nothing counts.
  HubRejected:   (a ProtocolError) the hub itself refused the request as malformed (413/422/409);
                 the outbox should split the batch to find and quarantine the bad record.
  UnverifiedAnswer: (a ProtocolError) an answer that claims to be the protocol but carries no
                 valid signature from the hub's pinned key (sync/answer_signing.py): tampered in
                 transit or not the hub. Nothing from it is returned, so nothing is applied.

Every answer to a signed request is verified before it is parsed, errors included (a forged
403 must not stop the station). Enrolment refuses plain http:// except on loopback unless the
admin passes `insecure_http`, proves the code without sending it, and refuses an answer whose keys
are not bound to the code.

Timeouts: (connect, stall). requests applies the read timeout to each socket read, so it limits
how long no byte arrives, not the total — a slow link that keeps moving is never cut off (Anki: 30 s).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlencode, urlsplit

import requests
from pydantic import BaseModel, ValidationError

from sync.answer_signing import H_ANSWER_SIGNATURE, H_SIGNING_KEYS, AnswerNotVerified, verify_answer
from sync.protocol import (
    H_HUB_TIME,
    H_NONCE,
    H_SIGNATURE,
    H_STATION,
    H_TIMESTAMP,
    MAX_CHUNK_BYTES,
    MAX_PULL_LIMIT,
    MAX_PUSH_BYTES,
    MAX_PUSH_ITEMS,
    PROTOCOL_VERSION,
    AttachmentStart,
    AttachmentState,
    EnrolRequest,
    EnrolResponse,
    Envelope,
    ErrorResponse,
    HealthResponse,
    PullResponse,
    PushRequest,
    PushResponse,
    enrol_binding,
    enrol_code_digest,
    enrol_proof,
    enrol_secret_key,
    sign,
)
from sync.sealing import SealError, open_enrol_secret

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_STALL_TIMEOUT = 30.0
DEFAULT_CHUNK_BYTES = 256 * 1024
_USER_AGENT = f"yizhan-station/sync-v{PROTOCOL_VERSION}"

M = TypeVar("M", bound=BaseModel)


# --- errors ----------------------------------------------------------------------------------


class SyncError(Exception):
    """Base of every client failure. `retryable` tells the sync loop whether to back off and retry."""

    retryable: ClassVar[bool] = True

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class Offline(SyncError):
    """The hub could not be reached (connection refused, no route, DNS, connect timeout)."""


class Transient(SyncError):
    """A temporary failure after reaching the network: 5xx, 429, a cut or stalled connection.
    `retry_after` is the hub's (or proxy's) Retry-After in seconds, when it sent one."""

    retry_after: float | None = None


class AuthRefused(SyncError):
    """The hub refused this station (401/403): not enrolled, revoked, bad signature, or replay."""

    retryable: ClassVar[bool] = False


class ProtocolError(SyncError):
    """The answer is not the sync protocol (captive portal, proxy page, malformed body)."""


class HubRejected(ProtocolError):
    """The hub answered with a protocol error for a request it considers malformed."""


class UnverifiedAnswer(ProtocolError):
    """An answer without a valid signature from the pinned hub key: nothing from it is used."""


class EnrolmentRefused(SyncError):
    """Enrolment stopped on the station's side: an insecure address, or an answer not bound to the
    code (keys swapped in transit). Not retryable without a person looking at it."""

    retryable: ClassVar[bool] = False


class ProtocolMismatch(SyncError):
    """The hub speaks another protocol version (its answer says so, or it refused ours with
    `unsupported_protocol`). Retrying cannot help: this station's software needs an upgrade."""

    retryable: ClassVar[bool] = False


# --- credential ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StationCredential:
    """What enrolment returns. The station must store `secret` encrypted (it signs every request)."""

    hub_url: str
    station_id: str
    station_name: str
    secret: bytes
    hub_public_key: bytes
    hub_key_id: str
    # Pinned at enrolment: the hub's Ed25519 answer-signing keys (current first). Replaced only by
    # a key set announced in an answer that a pinned key signed (rotation).
    hub_signing_keys: tuple[bytes, ...] = ()
    ca_file: str | None = None  # PEM of a private CA that issued the hub's certificate
    # The receipt prefix the hub gave at enrolment (None: not asked, or a hub from before prefixes
    # were claimed). `save_credential` makes it the station's; it is not part of the stored JSON.
    receipt_prefix: str | None = None
    # Called with the updated credential when the hub rotates its signing key (persist the pins).
    on_pins: Callable[[StationCredential], None] | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> str:
        doc = {
            "hub_url": self.hub_url,
            "station_id": self.station_id,
            "station_name": self.station_name,
            "secret": base64.b64encode(self.secret).decode("ascii"),
            "hub_public_key": base64.b64encode(self.hub_public_key).decode("ascii"),
            "hub_key_id": self.hub_key_id,
            "hub_signing_keys": [base64.b64encode(k).decode("ascii") for k in self.hub_signing_keys],
            "ca_file": self.ca_file,
        }
        return json.dumps(doc)

    @classmethod
    def from_json(cls, text: str) -> StationCredential:
        doc = json.loads(text)
        return cls(
            hub_url=doc["hub_url"],
            station_id=doc["station_id"],
            station_name=doc["station_name"],
            secret=base64.b64decode(doc["secret"]),
            hub_public_key=base64.b64decode(doc["hub_public_key"]),
            hub_key_id=doc["hub_key_id"],
            hub_signing_keys=tuple(base64.b64decode(k) for k in doc.get("hub_signing_keys", [])),
            ca_file=doc.get("ca_file"),
        )


# --- signing ---------------------------------------------------------------------------------


class HmacAuth(requests.auth.AuthBase):
    """Signs a prepared request (so it covers the exact bytes sent) with the station secret.

    The signed path is relative to the hub base URL, so a reverse proxy that mounts the hub under
    a prefix and strips it still verifies. A fresh nonce per request makes each one single-use.
    """

    def __init__(self, station_id: str, secret: bytes, base_path: str, clock: Callable[[], float]) -> None:
        self.station_id = station_id
        self.secret = secret
        self.base_path = base_path.rstrip("/")
        self.clock = clock

    def path_of(self, url: str) -> str:
        """path?query relative to the hub base URL, as signed (and as the hub signs its answer)."""
        parts = urlsplit(url)
        path = parts.path[len(self.base_path) :] if parts.path.startswith(self.base_path) else parts.path
        return path + (f"?{parts.query}" if parts.query else "")

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        path_qs = self.path_of(r.url or "")
        body = r.body if isinstance(r.body, bytes) else (r.body or "").encode("utf-8")
        ts, nonce = str(int(self.clock())), secrets.token_hex(16)
        r.headers[H_STATION] = self.station_id
        r.headers[H_TIMESTAMP] = ts
        r.headers[H_NONCE] = nonce
        r.headers[H_SIGNATURE] = sign(self.secret, r.method or "GET", path_qs, ts, nonce, body)
        return r


# --- transport -------------------------------------------------------------------------------


class _Transport:
    """One requests.Session: every exchange with the hub (enrolment, health, signed calls) is a `send`."""

    def __init__(
        self,
        base_url: str,
        connect_timeout: float,
        stall_timeout: float,
        session: requests.Session | None,
        ca_file: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, stall_timeout)
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", _USER_AGENT)
        if ca_file:
            self.session.verify = ca_file  # a hub certificate from a private CA

    def send(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        content_type: str = "application/json",
        auth: requests.auth.AuthBase | None = None,
    ) -> requests.Response:
        """One exchange; transport failures become Offline/Transient. The caller checks the answer
        (`parse_response`, after `HubClient` has verified a signed one)."""
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type
        try:
            # No redirects: a captive portal's 302 to its login page must not look like an answer.
            return self.session.request(
                method,
                self.base_url + path,
                data=body,
                headers=headers,
                auth=auth,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.exceptions.ConnectTimeout as exc:
            raise Offline(f"hub not reachable (connect timed out): {exc}") from exc
        except requests.exceptions.ReadTimeout as exc:
            raise Transient(f"hub stalled: no data for {self.timeout[1]:g} s") from exc
        except requests.exceptions.ConnectionError as exc:
            if _is_connect_failure(exc):
                raise Offline(f"hub not reachable: {_reason(exc)}") from exc
            raise Transient(f"connection to hub broke: {_reason(exc)}") from exc
        except requests.exceptions.RequestException as exc:
            raise Transient(f"transfer failed: {exc}") from exc

    def close(self) -> None:
        self.session.close()


def _reason(exc: BaseException) -> str:
    inner = exc.args[0] if exc.args else exc
    return str(getattr(inner, "reason", inner))


def _is_connect_failure(exc: requests.exceptions.ConnectionError) -> bool:
    import urllib3.exceptions as u3

    inner: Any = exc.args[0] if exc.args else None
    reason = getattr(inner, "reason", inner)
    return isinstance(reason, (u3.NewConnectionError, u3.NameResolutionError, ConnectionRefusedError))


def parse_response(response: requests.Response, model: type[M]) -> M:
    """Turn an HTTP response into a protocol model, or raise the right SyncError."""
    status = response.status_code
    if 200 <= status < 300:
        _require_json(response)
        try:
            parsed = model.model_validate_json(response.content)
        except ValidationError as exc:
            raise ProtocolError(
                f"hub answered {status} with a body that is not a valid "
                f"{model.__name__}: {exc.errors()[0]['msg']}",
                status=status,
            ) from exc
        if getattr(parsed, "protocol", PROTOCOL_VERSION) != PROTOCOL_VERSION:
            raise ProtocolMismatch(
                f"hub speaks protocol {getattr(parsed, 'protocol', '?')}, station speaks {PROTOCOL_VERSION}",
                status=status,
            )
        return parsed
    if 300 <= status < 400:
        where = response.headers.get("Location", "?")
        raise ProtocolError(
            f"hub address redirected to {where} (captive portal or wrong URL?)",
            status=status,
            code="captive_portal",
        )
    error = _error_body(response)
    code = error.error.code if error else None
    message = error.error.message if error else f"HTTP {status} ({response.reason})"
    if code == "unsupported_protocol":
        raise ProtocolMismatch(
            f"hub does not accept this station's protocol: {message}", status=status, code=code
        )
    if status in (401, 403):
        raise AuthRefused(f"hub refused this station: {message}", status=status, code=code)
    if status >= 500 or status in (408, 425, 429):
        transient = Transient(f"hub temporarily failed: {message}", status=status, code=code)
        transient.retry_after = _retry_after(response.headers.get("Retry-After"))
        raise transient
    if error is not None:
        raise HubRejected(f"hub rejected the request: {message}", status=status, code=code)
    raise ProtocolError(f"unexpected HTTP {status} without a protocol body (proxy?)", status=status)


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (RFC 9110: delay-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _require_json(response: requests.Response) -> None:
    ctype = response.headers.get("Content-Type", "")
    if ctype.split(";")[0].strip().lower() != "application/json":
        snippet = response.content[:80].decode("utf-8", "replace").strip()
        raise ProtocolError(
            f"got HTTP {response.status_code} with {ctype or 'no content type'} instead of the sync "
            f"protocol — a captive portal or proxy page? ({snippet!r})",
            status=response.status_code,
            code="captive_portal",
        )


def _error_body(response: requests.Response) -> ErrorResponse | None:
    try:
        return ErrorResponse.model_validate_json(response.content)
    except ValidationError:
        return None


# --- enrolment -------------------------------------------------------------------------------


def check_hub_address(hub_url: str, *, insecure_http: bool = False) -> None:
    """Refuse plain http:// to anything but this machine, unless the admin insists."""
    parts = urlsplit(hub_url)
    if parts.scheme == "https":
        return
    if parts.scheme != "http" or not parts.hostname:
        raise EnrolmentRefused(
            f"hub address must start with https:// (got {hub_url!r})", code="insecure_address"
        )
    if _is_loopback(parts.hostname) or insecure_http:
        return
    raise EnrolmentRefused(
        "the hub address uses plain http://: anyone on the network path could read or change what the "
        "station and the hub say. Use the hub's https:// address "
        "(or pass --insecure-http for a test network)",
        code="insecure_address",
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def enrol(
    hub_url: str,
    code: str,
    *,
    insecure_http: bool = False,
    ca_file: str | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    stall_timeout: float = DEFAULT_STALL_TIMEOUT,
    session: requests.Session | None = None,
    receipt_prefix: str | None = None,
    prefix_fixed: bool = False,
) -> StationCredential:
    """Redeem a one-time enrolment code; returns the credential to store (encrypted) on the station.

    The code never travels: the station sends a proof derived from it, and accepts the answer only
    if its MAC (keyed by the code) binds the station id, the sealed secret and both hub keys.
    `receipt_prefix` asks the hub for that prefix (`prefix_fixed`: codes with it are already out);
    the credential's `receipt_prefix` is the one the hub gave, for the station's next codes
    (sync/credentials.enrol_station).
    """
    check_hub_address(hub_url, insecure_http=insecure_http)
    transport = _Transport(hub_url, connect_timeout, stall_timeout, session, ca_file)
    digest = enrol_code_digest(code)
    request = EnrolRequest(
        code_proof=enrol_proof(digest), receipt_prefix=receipt_prefix, prefix_fixed=prefix_fixed
    )
    # Without a prefix the body is what hubs from before prefix claims know (they refuse unknown keys).
    unknown_before = {"receipt_prefix", "prefix_fixed"} if receipt_prefix is None else None
    body = request.model_dump_json(exclude=unknown_before).encode("utf-8")
    answer = parse_response(transport.send("POST", "/v1/enrol", body=body), EnrolResponse)
    if not hmac.compare_digest(enrol_binding(digest, answer).encode(), answer.binding.encode()):
        raise EnrolmentRefused(
            "the hub's answer is not bound to this enrolment code: its keys were changed on the way. "
            "Nothing was saved; check the network path (use https://) and try again",
            code="not_bound",
        )
    try:
        secret = open_enrol_secret(
            base64.b64decode(answer.sealed_secret), enrol_secret_key(digest), str(answer.station_id)
        )
    except SealError as exc:
        raise EnrolmentRefused(
            f"the station secret in the hub's answer does not open: {exc}", code="bad_secret"
        ) from None
    return StationCredential(
        hub_url=hub_url.rstrip("/"),
        station_id=str(answer.station_id),
        station_name=answer.station_name,
        secret=secret,
        hub_public_key=base64.b64decode(answer.hub_public_key),
        hub_key_id=answer.hub_key_id,
        hub_signing_keys=tuple(base64.b64decode(k) for k in answer.hub_signing_keys),
        ca_file=ca_file,
        receipt_prefix=answer.receipt_prefix,
    )


# --- the client ------------------------------------------------------------------------------


class HubClient:
    """Signed calls for one enrolled station. Thread-compatible (one instance per thread)."""

    def __init__(
        self,
        credential: StationCredential,
        *,
        hub_url: str | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        stall_timeout: float = DEFAULT_STALL_TIMEOUT,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        base = (hub_url or credential.hub_url).rstrip("/")
        self.credential = credential
        self._transport = _Transport(base, connect_timeout, stall_timeout, session, credential.ca_file)
        self._clock = clock
        self.clock_offset = 0.0  # hub time minus station time, learnt from a clock_skew refusal
        self._auth = HmacAuth(
            credential.station_id,
            credential.secret,
            urlsplit(base).path,
            lambda: self._clock() + self.clock_offset,
        )

    @property
    def hub_url(self) -> str:
        return self._transport.base_url

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def health(self) -> HealthResponse:
        return parse_response(self._transport.send("GET", "/v1/health"), HealthResponse)

    def push(self, envelopes: Sequence[Envelope]) -> PushResponse:
        """Send one batch; returns exactly one result per envelope, in order.

        Mark a record SENT only when its result's `hub_has_it` is true. Raises ValueError for a
        batch over the protocol's bounds (use `split_batches`).
        """
        items = list(envelopes)
        body = PushRequest(items=items).model_dump_json().encode("utf-8")
        if len(body) > MAX_PUSH_BYTES:
            raise ValueError(f"batch is {len(body)} bytes; the protocol allows {MAX_PUSH_BYTES}")
        answer = self._signed("POST", "/v1/push", PushResponse, body=body)
        if [r.id for r in answer.results] != [e.id for e in items]:
            # Never guess which item an ack belongs to: an unmatched answer acknowledges nothing.
            raise ProtocolError("hub's push results do not match the batch item for item")
        return answer

    def pull(self, cursor: int, limit: int = MAX_PULL_LIMIT) -> PullResponse:
        """One page of this station's feed after `cursor`. Store `next_cursor` with the applied page."""
        query = urlencode({"cursor": int(cursor), "limit": int(limit)})
        page = self._signed("GET", f"/v1/pull?{query}", PullResponse)
        seqs = [c.seq for c in page.changes]
        if any(b <= a for a, b in zip([cursor, *seqs], seqs, strict=False)):
            raise ProtocolError("hub's pull page is not in ascending sequence after the cursor")
        if page.next_cursor != (seqs[-1] if seqs else cursor):
            raise ProtocolError("hub's next_cursor does not follow the page it sent")
        return page

    def upload_attachment(
        self,
        data: bytes,
        *,
        record_id: uuid.UUID | None = None,
        chunk_size: int = DEFAULT_CHUNK_BYTES,
        progress: Callable[[int, int], None] | None = None,
    ) -> AttachmentState:
        """Upload (or resume uploading) a content-addressed blob; returns the completed state.

        Resumable: after any failure call it again with the same bytes; it asks the hub how much
        arrived and continues from there. Pass bytes already sealed to the hub key.
        """
        chunk_size = max(1, min(chunk_size, MAX_CHUNK_BYTES))
        sha = hashlib.sha256(data).hexdigest()
        start = AttachmentStart(sha256=sha, size=len(data), record_id=record_id).model_dump_json().encode()
        state = self._signed("POST", "/v1/attachments", AttachmentState, body=start)
        while not state.complete:
            if progress:
                progress(state.received, state.size)
            offset = state.received
            chunk = data[offset : offset + chunk_size]
            try:
                state = self._signed(
                    "PUT",
                    f"/v1/attachments/{sha}/chunks/{offset}",
                    AttachmentState,
                    body=chunk,
                    content_type="application/octet-stream",
                )
            except HubRejected as exc:
                if exc.code != "offset_mismatch":
                    raise
                state = self._signed("GET", f"/v1/attachments/{sha}", AttachmentState)
                continue
            if not state.complete and state.received == 0 and offset + len(chunk) == len(data):
                raise ProtocolError("hub discarded the upload: its content did not match the sha256")
        if progress:
            progress(state.size, state.size)
        return state

    def _signed(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> M:
        if not self.credential.hub_signing_keys:
            raise AuthRefused(
                "this station has no pinned hub signing key (enrolled before answers were "
                "signed): enrol it again with a new code"
            )

        def exchange() -> requests.Response:
            response = self._transport.send(
                method, path, body=body, content_type=content_type, auth=self._auth
            )
            self._verify_answer(response)
            return response

        response = exchange()
        if response.status_code == 401 and self._learn_clock(response):
            # An offline kiosk's clock drifts; retry once with the hub's time (fresh nonce, fresh signature).
            response = exchange()
        return parse_response(response, model)

    def _verify_answer(self, response: requests.Response) -> None:
        """Before anything of the answer is used: a pinned hub key must have signed it.

        Answers that do not claim to be the protocol (a proxy's 502 page, a portal's redirect) are
        left to `parse_response`, which never turns them into data; a protocol body — success or
        error — must verify, so a forged 403 cannot stop the station and a forged page applies nothing.
        """
        status = response.status_code
        is_json = response.headers.get("Content-Type", "").split(";")[0].strip().lower() == "application/json"
        if not ((200 <= status < 300 and is_json) or _error_body(response) is not None):
            return
        request = response.request
        try:
            verified = verify_answer(
                self.credential.hub_signing_keys,
                response.headers.get(H_ANSWER_SIGNATURE),
                response.headers.get(H_SIGNING_KEYS),
                status=status,
                method=request.method or "GET",
                path_and_query=self._auth.path_of(request.url or ""),
                nonce=str(request.headers.get(H_NONCE, "")),
                hub_time=response.headers.get(H_HUB_TIME, ""),
                body=response.content,
            )
        except AnswerNotVerified as exc:
            raise UnverifiedAnswer(
                f"hub answer refused ({exc}): tampered on the way?", status=status
            ) from None
        if verified.rotated:
            # The hub rotated its signing key and the old, pinned key vouched for the new set.
            self.credential = replace(self.credential, hub_signing_keys=verified.pins)
            if self.credential.on_pins is not None:
                self.credential.on_pins(self.credential)

    def _learn_clock(self, response: requests.Response) -> bool:
        error = _error_body(response)
        hub_time = response.headers.get(H_HUB_TIME, "")
        if error is None or error.error.code != "clock_skew" or not hub_time.isdigit():
            return False
        self.clock_offset = int(hub_time) - self._clock()
        return True


def split_batches(
    envelopes: Sequence[Envelope], *, max_items: int = MAX_PUSH_ITEMS, max_bytes: int = MAX_PUSH_BYTES - 4096
) -> Iterator[list[Envelope]]:
    """Cut a queue into batches within the protocol's item and byte bounds, keeping order."""
    batch: list[Envelope] = []
    size = 0
    for env in envelopes:
        item_bytes = len(env.model_dump_json()) + 1
        if batch and (len(batch) >= max_items or size + item_bytes > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(env)
        size += item_bytes
    if batch:
        yield batch
