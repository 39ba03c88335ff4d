"""A scripted stand-in for the hub, over real HTTP on loopback, for the failure modes a real hub
will not produce on demand: each named answer of docs/sync-protocol.md's error model, redirects,
malformed bodies, another protocol version, results that do not match the batch.

By default it behaves like a healthy hub that has nothing to say: every pushed item `accepted`, an
empty feed. A test replaces the answer for the next requests (`script`) or for all of them
(`answer`), each a function of the parsed request. Every request is recorded (`requests`) with
whether its station signature verified, so tests can check what the station sent.

`fake_station` makes a real encrypted station enrolled with this fake hub (a made-up credential
with a real X25519 hub key), so the station's own engine and loop run unchanged against it.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sync.answer_signing import H_ANSWER_SIGNATURE, H_SIGNING_KEYS, AnswerSigner, generate_signing_key
from sync.protocol import (
    H_HUB_TIME,
    H_NONCE,
    H_SIGNATURE,
    H_STATION,
    H_TIMESTAMP,
    PROTOCOL_VERSION,
    verify_signature,
)


@dataclass(frozen=True)
class Seen:
    """One request as the fake hub received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    signed_ok: bool

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def item_ids(self) -> list[str]:
        return [item["id"] for item in self.json()["items"]] if self.path == "/v1/push" else []


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


Responder = Callable[[Seen], Answer]


def as_json(doc: Any, status: int = 200, **headers: str) -> Answer:
    return Answer(status, json.dumps(doc).encode(), headers=dict(headers))


def error(status: int, code: str, message: str = "refused", **headers: str) -> Answer:
    return as_json(
        {"protocol": PROTOCOL_VERSION, "error": {"code": code, "message": message}}, status, **headers
    )


def accept_all(seen: Seen, status: str = "accepted") -> Answer:
    results = [{"id": i, "status": status} for i in seen.item_ids]
    return as_json({"protocol": PROTOCOL_VERSION, "results": results})


def empty_feed(seen: Seen) -> Answer:
    cursor = int(seen.query.get("cursor", "0"))
    return as_json({"protocol": PROTOCOL_VERSION, "changes": [], "next_cursor": cursor, "has_more": False})


def healthy(seen: Seen) -> Answer:
    if seen.path == "/v1/push":
        return accept_all(seen)
    if seen.path == "/v1/pull":
        return empty_feed(seen)
    return error(404, "not_found", "the fake hub does not serve this")


class FakeHub:
    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or secrets.token_bytes(32)
        # Like the real hub, it signs every answer to a signed request (sync/answer_signing.py);
        # `fake_station` pins this key, so scripted answers reach the station's own logic.
        private, self.signing_public_key = generate_signing_key()
        self._signer = AnswerSigner([private])
        self.requests: list[Seen] = []
        self._script: deque[Responder] = deque()
        self._default: Responder = healthy
        self._lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:  # quiet test output
                return None

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = hub._answer(self.command, self.path, {k: v for k, v in self.headers.items()}, body)
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = _handle  # http.server calls do_<METHOD>

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fakehub", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def script(self, *responders: Responder) -> None:
        """Answer the next requests with these, in order; then the standing answer again."""
        with self._lock:
            self._script.extend(responders)

    def answer(self, responder: Responder) -> None:
        """Answer every request (after any scripted ones) with this."""
        with self._lock:
            self._default = responder

    def seen(self, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.requests if s.path == path]

    def _answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(target)
        signed_ok = verify_signature(
            self.secret,
            headers.get(H_SIGNATURE, ""),
            method,
            target,
            headers.get(H_TIMESTAMP, ""),
            headers.get(H_NONCE, ""),
            body,
        ) and bool(headers.get(H_STATION))
        seen = Seen(
            method, parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}, headers, body, signed_ok
        )
        with self._lock:
            self.requests.append(seen)
            responder = self._script.popleft() if self._script else self._default
        answer = responder(seen)
        import time

        out = {H_HUB_TIME: str(int(time.time())), **answer.headers}
        nonce = headers.get(H_NONCE, "")
        if nonce:
            out[H_SIGNING_KEYS] = self._signer.announced
            out[H_ANSWER_SIGNATURE] = self._signer.sign(
                answer.status, method, target, nonce, out[H_HUB_TIME], answer.body
            )
        return Answer(answer.status, answer.body, answer.content_type, out)

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class FakeStation:
    station: Any
    station_id: str


def fake_station(
    data_dir: Path, hub: FakeHub, passphrase: str, *, template: Path | None = None, name: str = "假中心测试站"
) -> Iterator[FakeStation]:
    """A real station enrolled with `hub` (generator: close the station when done). With `template`
    (a closed station folder) it starts as a copy of that station, which is quicker than creating one."""
    import shutil

    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from models.station import Actor, Station
    from sync.client import StationCredential
    from sync.credentials import save_credential

    if template is not None:
        shutil.copytree(template, data_dir)
        station = Station.open(data_dir, passphrase)
    else:
        station = Station.create(data_dir, passphrase, name=name, prefix="F01")
    station_id = str(uuid.uuid4())
    credential = StationCredential(
        hub_url=hub.url,
        station_id=station_id,
        station_name=name,
        secret=hub.secret,
        hub_public_key=X25519PrivateKey.generate().public_key().public_bytes_raw(),
        hub_key_id="fa4e0000fa4e0000",
        hub_signing_keys=(hub.signing_public_key,),
    )
    save_credential(station, credential, Actor("admin", "test"))
    try:
        yield FakeStation(station, station_id)
    finally:
        station.close()
