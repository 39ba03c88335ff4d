"""The fault-injection proxy itself, and the client's reaction to each fault against a real hub."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from sync.client import HubClient, Offline, ProtocolError, Transient
from tests.hub.conftest import make_envelope
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.hubhandle import HubHandle
from tests.support.ports import free_port


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._reply(json.dumps({"echo": body.decode()}).encode())

    def do_GET(self) -> None:
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello ", b"world"):
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        self._reply(b'{"ok": true}')

    def _reply(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the proxy cuts connections on purpose


@pytest.fixture(scope="module")
def echo_server() -> Iterator[int]:
    server = _QuietServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()


@pytest.fixture
def proxy(echo_server: int) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", echo_server, stall_seconds=2) as p:
        yield p


def test_pass_through_keeps_alive(proxy: FaultProxy) -> None:
    with requests.Session() as s:
        for i in range(5):
            assert s.post(proxy.url + "/x", data=f"n{i}", timeout=5).json() == {"echo": f"n{i}"}
        assert s.get(proxy.url + "/chunked", timeout=5).content == b"hello world"
    assert proxy.stats["requests"] == 6


@pytest.mark.parametrize(
    ("fault", "status"),
    [(Fault.HTTP_500, 500), (Fault.HTTP_502, 502), (Fault.HTTP_503, 503), (Fault.CAPTIVE_PORTAL, 200)],
)
def test_canned_answers(proxy: FaultProxy, fault: Fault, status: int) -> None:
    proxy.plan(fault)
    response = requests.get(proxy.url + "/", timeout=5)
    assert response.status_code == status
    if fault is Fault.CAPTIVE_PORTAL:
        assert response.headers["Content-Type"].startswith("text/html")
    assert requests.get(proxy.url + "/", timeout=5).json() == {"ok": True}  # next one passes


@pytest.mark.parametrize("fault", [Fault.CUT_REQUEST, Fault.CUT_RESPONSE, Fault.REFUSE])
def test_cuts_break_the_exchange(proxy: FaultProxy, fault: Fault) -> None:
    proxy.plan(fault)
    with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        requests.post(proxy.url + "/", data=b"x" * 5000, timeout=5)
    assert proxy.stats[fault.value] == 1


def test_stall_trips_a_read_timeout(proxy: FaultProxy) -> None:
    proxy.plan(Fault.STALL)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(proxy.url + "/", timeout=(2, 0.5))


def test_randomized_faults_are_reproducible(echo_server: int) -> None:
    def run() -> list[str]:
        with FaultProxy("127.0.0.1", echo_server) as p:
            p.randomize(42, {Fault.HTTP_503: 0.3, Fault.CAPTIVE_PORTAL: 0.2})
            return [str(requests.get(p.url + "/", timeout=5).status_code) for _ in range(20)]

    first = run()
    assert first == run() and "503" in first and "200" in first


# --- the client against a real hub through the proxy ---------------------------------------------


@pytest.fixture
def hub_proxy(hub: HubHandle) -> Iterator[FaultProxy]:
    # A stall lasts twice the client's stall timeout, which itself leaves a loaded CI machine (two test
    # workers on two cores) time to answer a real push.
    with FaultProxy("127.0.0.1", hub.process.port, stall_seconds=5) as p:
        yield p


def _via(station: HubClient, proxy: FaultProxy) -> HubClient:
    return HubClient(station.credential, hub_url=proxy.url, stall_timeout=2.5)


def test_captive_portal_200_is_a_protocol_error(station: HubClient, hub_proxy: FaultProxy) -> None:
    client = _via(station, hub_proxy)
    hub_proxy.plan(Fault.CAPTIVE_PORTAL, Fault.CAPTIVE_PORTAL)
    with pytest.raises(ProtocolError, match="captive portal"):
        client.push([make_envelope(station.credential)])
    with pytest.raises(ProtocolError):
        client.pull(0)


@pytest.mark.parametrize(
    "fault",
    [
        Fault.HTTP_500,
        Fault.HTTP_502,
        Fault.HTTP_503,
        Fault.CUT_REQUEST,
        Fault.CUT_RESPONSE,
        Fault.STALL,
        Fault.BAD_GATEWAY_AFTER,
        Fault.REFUSE,
    ],
)
def test_faults_are_transient_and_repush_is_exactly_once(
    hub: HubHandle, station: HubClient, hub_proxy: FaultProxy, fault: Fault
) -> None:
    client = _via(station, hub_proxy)
    envs = [make_envelope(station.credential) for _ in range(5)]
    hub_proxy.plan(fault)
    with pytest.raises(Transient):
        client.push(envs)
    retry = client.push(envs)  # the station re-sends the same sealed envelopes
    assert all(r.hub_has_it for r in retry.results)
    rows = json.loads(hub.cli("requests", "list", "--json", "--station", station.credential.station_name)[1])
    assert sorted(r["id"] for r in rows) == sorted(str(e.id) for e in envs)


def test_hub_down_is_offline(station: HubClient) -> None:
    client = HubClient(station.credential, hub_url=f"http://127.0.0.1:{free_port()}", connect_timeout=1)
    with pytest.raises(Offline):
        client.pull(0)
