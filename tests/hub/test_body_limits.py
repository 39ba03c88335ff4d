"""Bodies are bounded however they arrive: chunked uploads without a Content-Length are counted as
they stream in and refused at the route's limit, before JSON, signature or form parsing.

Attack reproduced (issue 10 §1): 1 GiB chunked to /v1/push took the hub from 210 MB to 2.2 GB.
Here 2 MB and 200 MB chunked bodies go to every kind of route of the real hub process, and its
resident memory (read from /proc/PID/status) must stay within a few MB.
"""

from __future__ import annotations

import secrets
import select
import socket
import time
from collections.abc import Callable

import pytest

from sync.client import HubClient
from sync.protocol import H_NONCE, H_SIGNATURE, H_STATION, H_TIMESTAMP
from tests.support.hubhandle import HubHandle

MB = 1_000_000
_PIECE = 64 * 1024


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS line")


def send_chunked(
    port: int,
    method: str,
    path: str,
    total: int,
    headers: dict[str, str],
    filler: bytes = b"[",
    prefix: bytes = b"",
) -> tuple[int, int, bytes]:
    """Stream `total` bytes chunked (no Content-Length) until the hub answers; (status, sent, body)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sock.sendall(head.encode() + (b"%x\r\n%s\r\n" % (len(prefix), prefix) if prefix else b""))
    frame = b"%x\r\n" % _PIECE + (filler * _PIECE)[:_PIECE] + b"\r\n"
    sent = 0
    while sent < total:
        if select.select([sock], [], [], 0)[0]:
            break  # the hub has answered (or closed): stop sending
        try:
            sock.sendall(frame)
        except OSError:
            break
        sent += _PIECE
    data = b""
    try:
        while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 40:
            part = sock.recv(65536)
            if not part:
                break
            data += part
    except OSError:
        pass
    sock.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0
    return status, sent, data


def signed_headers(client: HubClient) -> dict[str, str]:
    """Real station, fresh timestamp and nonce, wrong signature: the hub must read the body to know."""
    return {
        "Content-Type": "application/json",
        H_STATION: client.credential.station_id,
        H_TIMESTAMP: str(int(time.time())),
        H_NONCE: secrets.token_hex(16),
        H_SIGNATURE: "AAAA",
    }


@pytest.mark.parametrize("hub", ["sqlite"], indirect=True)
def settled_rss_mb(pid: int, timeout: float = 60.0) -> float:
    """The hub's RSS once it stops growing: a fresh hub warms up in the background after it answers
    its health check (templates, station credentials: server/main.py's lifespan), memory that is not
    a body."""
    deadline = time.monotonic() + timeout
    last, steady = rss_mb(pid), 0
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = rss_mb(pid)
        steady = steady + 1 if abs(now - last) < 0.5 else 0
        if steady == 4:  # two seconds without moving
            return now
        last = now
    raise AssertionError(f"hub RSS still moving after {timeout:.0f} s")


def test_chunked_bodies_are_refused_at_the_limit_without_growing_memory(
    hub: HubHandle, make_station: Callable[..., HubClient]
) -> None:
    client = make_station()
    assert hub.process.proc is not None
    pid, port = hub.process.proc.pid, hub.process.port
    sha = "ab" * 32
    part = b'--xyz\r\nContent-Disposition: form-data; name="username"\r\n\r\n'
    routes: list[tuple[str, str, Callable[[], dict[str, str]], bytes, bytes]] = [
        ("POST", "/v1/push", lambda: signed_headers(client), b"[", b""),
        ("POST", "/v1/enrol", lambda: {"Content-Type": "application/json"}, b"[", b""),
        ("POST", "/v1/attachments", lambda: signed_headers(client), b"[", b""),
        (
            "PUT",
            f"/v1/attachments/{sha}/chunks/0",
            lambda: {**signed_headers(client), "Content-Type": "application/octet-stream"},
            b"\x00",
            b"",
        ),
        (
            "POST",
            "/console/login",
            lambda: {"Content-Type": "application/x-www-form-urlencoded"},
            b"a",
            b"u=",
        ),
        ("POST", "/console/login", lambda: {"Content-Type": "multipart/form-data; boundary=xyz"}, b"b", part),
    ]
    baseline = settled_rss_mb(pid)
    for method, path, headers, filler, prefix in routes:
        for total in (2 * MB, 200 * MB):
            started = time.monotonic()
            status, sent, body = send_chunked(port, method, path, total, headers(), filler, prefix)
            took = time.monotonic() - started
            assert status == 413, (path, total, body[:300])
            assert took < 5, (path, total, took)
            assert sent < 12 * MB, (path, sent)  # refused early, not after reading everything
            if path.startswith("/v1/"):
                assert b'"payload_too_large"' in body, body[:300]
            else:
                assert "提交的内容太多了".encode() in body, body[:300]
    time.sleep(0.2)
    grown = rss_mb(pid) - baseline
    assert grown < 8, f"hub RSS grew {grown:.1f} MB"
    # The hub still serves normally afterwards.
    assert client.health().status == "ok"


@pytest.mark.parametrize("hub", ["sqlite"], indirect=True)
def test_console_form_with_too_many_fields_is_refused(hub: HubHandle) -> None:
    fields = "&".join(f"f{i}=1" for i in range(2000))  # small in bytes, many fields
    status, _sent, body = _post_form(hub.process.port, fields)
    assert status == 413 and "表单里的项目超过".encode() in body


def _post_form(port: int, form: str) -> tuple[int, int, bytes]:
    data = form.encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        b"POST /console/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + b"Content-Length: %d\r\n\r\n" % len(data)
        + data
    )
    answer = b""
    while b"</html>" not in answer:
        part = sock.recv(65536)
        if not part:
            break
        answer += part
    sock.close()
    return int(answer.split(b" ", 2)[1]), len(data), answer
