"""A man in the middle for tests: forwards HTTP/1.1 between a station and the hub and lets the test
rewrite answers (body and headers) on the way back, as an attacker on a plain-HTTP path could.

`rewrite(method, path, status, body) -> bytes | None` sees every answer; returning bytes replaces
the body (Content-Length is fixed up, every other header — the hub's signature included — is
passed on unchanged, as a careless forger would). `tampered` counts the answers it changed.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

from tests.support.faultproxy import _Closed, _Conn, _headers, read_message

Rewrite = Callable[[str, str, int, bytes], bytes | None]


class RewriteProxy:
    def __init__(self, upstream_host: str, upstream_port: int, rewrite: Rewrite) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.rewrite = rewrite
        self.tampered = 0
        self.requests: list[bytes] = []  # every request as it crossed the wire
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._accept_loop, name="rewriteproxy", daemon=True)
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> RewriteProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client_sock: socket.socket) -> None:
        client = _Conn(client_sock)
        upstream = _Conn(socket.create_connection(self.upstream, timeout=60))
        try:
            while not self._stop.is_set():
                try:
                    head, request = read_message(client)
                except (_Closed, OSError):
                    return
                method, path = head.split(b" ", 2)[:2]
                self.requests.append(request)
                upstream.sock.sendall(request)
                rhead, response = read_message(upstream, request_method=method.decode())
                client.sock.sendall(self._maybe_rewrite(method.decode(), path.decode(), rhead, response))
        except (_Closed, OSError):
            return
        finally:
            for sock in (client_sock, upstream.sock):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _maybe_rewrite(self, method: str, path: str, head: bytes, response: bytes) -> bytes:
        body = response[len(head) :]
        if "chunked" in _headers(head).get("transfer-encoding", ""):
            return response  # the hub answers with Content-Length; leave anything else alone
        status = int(head.split(b" ", 2)[1])
        new = self.rewrite(method, path, status, body)
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
