"""A TCP fault-injection proxy for HTTP/1.1 between a station and the hub, controlled by the test.

It parses request and response framing (Content-Length or chunked) so faults apply per HTTP
request even on keep-alive connections. Each request takes the next fault from a queue planned
by the test (`plan`), else a seeded random choice (`randomize`), else the default (PASS):

- PASS            forward both ways unchanged
- REFUSE          close the client connection without an answer (looks like a dead link)
- CUT_REQUEST     forward only part of the request to the hub, then drop both sides
- CUT_RESPONSE    forward the request (the hub applies it), relay part of the answer, then drop —
                  the "lost acknowledgement" that causes duplicates in naive sync
- STALL           forward the request, withhold the answer for `stall_seconds`, then drop
- HTTP_500/502/503  answer with that status without forwarding
- BAD_GATEWAY_AFTER forward the request (applied at the hub), then answer 502 instead of the reply
- CAPTIVE_PORTAL  answer 200 text/html like a hotel Wi-Fi login page, without forwarding

Counters in `stats` let tests assert that faults really happened.

A forwarded answer can also be rewritten on its way back, as an attacker on a plain-HTTP path
could: `rewrite(method, path, status, body) -> bytes | None` sees every answer that is passed on;
returning bytes replaces the body (Content-Length is fixed up, every other header — the hub's
signature included — is passed on unchanged, as a careless forger would). `tampered` counts the
answers it changed; with `record=True`, `requests` keeps every request as it crossed the wire.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
from collections import Counter, deque
from collections.abc import Callable, Mapping
from enum import StrEnum
from types import TracebackType


class Fault(StrEnum):
    PASS = "pass"
    REFUSE = "refuse"
    CUT_REQUEST = "cut_request"
    CUT_RESPONSE = "cut_response"
    STALL = "stall"
    HTTP_500 = "http_500"
    HTTP_502 = "http_502"
    HTTP_503 = "http_503"
    BAD_GATEWAY_AFTER = "bad_gateway_after"
    CAPTIVE_PORTAL = "captive_portal"


_CANNED = {
    Fault.HTTP_500: (500, "Internal Server Error", "text/plain", b"proxy: internal error"),
    Fault.HTTP_502: (502, "Bad Gateway", "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    Fault.HTTP_503: (503, "Service Unavailable", "text/html", b"<html><body>503 try later</body></html>"),
    Fault.BAD_GATEWAY_AFTER: (
        502,
        "Bad Gateway",
        "text/html",
        b"<html><body>502 upstream reset</body></html>",
    ),
    Fault.CAPTIVE_PORTAL: (
        200,
        "OK",
        "text/html; charset=utf-8",
        "<html><head><title>免费WiFi 登录</title></head><body>请先登录 Please log in</body></html>".encode(),
    ),
}


Rewrite = Callable[[str, str, int, bytes], bytes | None]


class _Closed(Exception):
    """The peer closed before a whole message arrived."""


class _Conn:
    """A socket with a read buffer, so leftover bytes of the next pipelined message are kept."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise _Closed
        self.buf += data

    def take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def take_until(self, marker: bytes) -> bytes:
        while marker not in self.buf:
            self.fill()
        end = self.buf.index(marker) + len(marker)
        return self.take(end)

    def take_all(self) -> bytes:
        try:
            while True:
                self.fill()
        except (_Closed, OSError):
            pass
        return self.take(len(self.buf))


def _headers(head: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            out[key.strip().lower()] = value.strip()
    return out


def read_message(conn: _Conn, *, request_method: str | None = None) -> tuple[bytes, bytes]:
    """Read one whole HTTP message; returns (head, head + body). request_method=None reads a request."""
    head = conn.take_until(b"\r\n\r\n")
    headers = _headers(head)
    if request_method is not None:
        status = int(head.split(b" ", 2)[1])
        if request_method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            return head, head
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            size_line = conn.take_until(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            body += size_line
            if size == 0:
                while True:  # optional trailers, then the empty line
                    line = conn.take_until(b"\r\n")
                    body += line
                    if line == b"\r\n":
                        return head, head + body
            body += conn.take(size + 2)
    if "content-length" in headers:
        return head, head + conn.take(int(headers["content-length"]))
    if request_method is None:
        return head, head  # a request without a length has no body
    return head, head + conn.take_all()  # a response delimited by closing the connection


class FaultProxy:
    """Listens on 127.0.0.1:port and forwards to upstream, injecting faults per request."""

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        port: int = 0,
        stall_seconds: float = 5.0,
        rewrite: Rewrite | None = None,
        record: bool = False,
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.stall_seconds = stall_seconds
        self.stats: Counter[str] = Counter()
        self.rewrite = rewrite
        self.tampered = 0
        self.record = record
        self.requests: list[bytes] = []  # with record=True: every request as it crossed the wire
        self._queue: deque[Fault] = deque()
        self._default = Fault.PASS
        self._rng: random.Random | None = None
        self._weights: dict[Fault, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._conns: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", port))
        self._listener.settimeout(0.1)  # accept() polls so stop() never waits on a blocked accept
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._accept_loop, name="faultproxy", daemon=True)

    # --- control ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def plan(self, *faults: Fault) -> None:
        """Apply these faults, in order, to the next requests."""
        with self._lock:
            self._queue.extend(faults)

    def set_default(self, fault: Fault) -> None:
        with self._lock:
            self._default = fault

    def randomize(self, seed: int, weights: Mapping[Fault, float]) -> None:
        """Choose each request's fault at random (reproducibly); PASS fills the rest of the weight."""
        with self._lock:
            self._rng = random.Random(seed)
            self._weights = dict(weights)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._default = Fault.PASS
            self._rng = None

    def _next_fault(self) -> Fault:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            if self._rng is not None:
                roll = self._rng.random()
                for fault, weight in self._weights.items():
                    if roll < weight:
                        return fault
                    roll -= weight
            return self._default

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()
        with self._lock:
            conns = list(self._conns)
        for sock in conns:
            _close(sock)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- the proxying ----------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            self._track(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._conns.add(sock)

    def _serve(self, client_sock: socket.socket) -> None:
        client = _Conn(client_sock)
        upstream: _Conn | None = None
        try:
            while not self._stop.is_set():
                try:
                    head, request = read_message(client)
                except (_Closed, OSError):
                    return
                if self.record:
                    self.requests.append(request)
                fault = self._next_fault()
                self.stats["requests"] += 1
                self.stats[fault.value] += 1
                forwards = fault is not Fault.REFUSE and (
                    fault not in _CANNED or fault is Fault.BAD_GATEWAY_AFTER
                )
                try:
                    if forwards and upstream is None:
                        upstream = self._connect()
                    if not self._exchange(fault, head, request, client, upstream):
                        return
                except (_Closed, OSError):
                    return  # hub down or hung up: the client sees its connection drop
        finally:
            _close(client_sock)
            if upstream is not None:
                _close(upstream.sock)

    def _connect(self) -> _Conn:
        sock = socket.create_connection(self.upstream, timeout=60)
        self._track(sock)
        return _Conn(sock)

    def _exchange(
        self, fault: Fault, head: bytes, request: bytes, client: _Conn, upstream: _Conn | None
    ) -> bool:
        """Handle one request; returns False when the connection must end."""
        if fault is Fault.REFUSE:
            return False
        if fault in _CANNED and fault is not Fault.BAD_GATEWAY_AFTER:
            client.sock.sendall(_canned(fault))
            return False
        assert upstream is not None
        if fault is Fault.CUT_REQUEST:
            # Past the head when there is a body, so the hub sees a request that never completes.
            cut = len(head) + (len(request) - len(head)) // 2 if len(request) > len(head) else len(head) // 2
            upstream.sock.sendall(request[:cut])
            return False
        upstream.sock.sendall(request)
        method, path = head.split(b" ", 2)[:2]
        rhead, response = read_message(upstream, request_method=method.decode("latin-1"))
        if fault is Fault.CUT_RESPONSE:
            client.sock.sendall(response[: max(1, len(response) // 2)])
            return False
        if fault is Fault.STALL:
            self._stop.wait(self.stall_seconds)
            return False
        if fault is Fault.BAD_GATEWAY_AFTER:
            client.sock.sendall(_canned(fault))
            return False
        client.sock.sendall(
            self._rewritten(method.decode("latin-1"), path.decode("latin-1"), rhead, response)
        )
        return True

    def _rewritten(self, method: str, path: str, head: bytes, response: bytes) -> bytes:
        if self.rewrite is None or "chunked" in _headers(head).get("transfer-encoding", ""):
            return response  # the hub answers with Content-Length; leave anything else alone
        new = self.rewrite(method, path, int(head.split(b" ", 2)[1]), response[len(head) :])
        if new is None:
            return response
        with self._lock:
            self.tampered += 1
        lines = [
            line
            for line in head.decode("latin-1").split("\r\n")
            if line and not line.lower().startswith("content-length:")
        ]
        lines.append(f"Content-Length: {len(new)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + new


def _canned(fault: Fault) -> bytes:
    status, reason, ctype, body = _CANNED[fault]
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
