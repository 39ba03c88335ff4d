"""Why sync or joining failed, in plain words in the user's language: each failure class is told
apart from real connections (a closed port, a Wi-Fi login page, TLS spoken to a plain server, an
insecure address), the loop hands the class to the volunteer's sync screen, and the admin's 加入中心
says what went wrong in Chinese, English or Korean — never the exception's English text."""

from __future__ import annotations

import errno
import socket
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy.exc

from sync import client as c
from sync.failures import failure_kind
from tests.ui.conftest import ADMIN_PIN, VOLUNTEER_PIN, Kiosk
from tests.ui.test_behaviour import _enter_pin, _open_pin
from ui.navigator import ScreenKey


class PortalHandler(BaseHTTPRequestHandler):
    """What a village Wi-Fi login page does: /v1/enrol gets an HTML page, /redirect a 302."""

    def _answer(self) -> None:
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "http://login.portal/")
            self.end_headers()
            return
        body = b"<html><body>Please log in to the village Wi-Fi</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *_args: object) -> None:
        return None


@pytest.fixture(scope="module")
def portal() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), PortalHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _kind_of_enrol(url: str) -> str:
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the class is what is being measured
        c.enrol(url, "ABCD-EFGH", connect_timeout=3, stall_timeout=3)
    return failure_kind(caught.value)


def test_each_failure_class_is_told_apart(portal: str) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: the network works, the hub does not answer
    assert _kind_of_enrol(f"http://127.0.0.1:{port}") == "hub_unreachable"
    assert _kind_of_enrol(f"http://{portal}") == "captive_portal"  # HTML instead of the protocol
    assert _kind_of_enrol(f"http://{portal}/redirect") == "captive_portal"  # 302 to a login page
    assert _kind_of_enrol(f"https://{portal}") == "tls"  # TLS spoken to a plain HTTP server
    assert _kind_of_enrol("http://192.0.2.7") == "enrol_insecure"  # refused before any packet
    no_route = OSError(errno.ENETUNREACH, "Network is unreachable")
    offline = c.Offline("hub not reachable")
    offline.__cause__ = no_route  # as `raise … from` leaves it
    assert failure_kind(offline) == "network"
    full = sqlalchemy.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))
    assert failure_kind(full) == "disk_full"
    assert failure_kind(c.UnverifiedAnswer("no signature")) == "unverified"
    assert failure_kind(c.Transient("hub temporarily failed", status=503)) == "hub_error"


class FailingEngine:
    """A sync engine whose pass meets a Wi-Fi login page (the loop and port around it are real)."""

    def run_once(self) -> object:
        raise c.ProtocolError("got HTTP 200 with text/html", status=200, code="captive_portal")

    def close(self) -> None:
        return None


def test_sync_screen_says_why_the_last_sync_failed_in_the_users_language(kiosk: Kiosk) -> None:
    from desktop.sync_port import LoopSyncPort
    from sync.loop import SyncLoop

    station = kiosk.station
    loop = SyncLoop(station, engine=FailingEngine())  # type: ignore[arg-type]
    loop._pass(0)  # one pass, on this thread: fails, will be retried (not stopped)
    kiosk.ctx.sync = LoopSyncPort(station, loop)
    _enter_pin(kiosk, _open_pin(kiosk), VOLUNTEER_PIN)
    kiosk.click(kiosk.tr("staff.sync"))
    screen = kiosk.nav.current
    first = list(screen.cards[0].lines)
    assert first == [kiosk.tr("sync.last_failed"), kiosk.tr("sync.failed.captive_portal")]
    assert "这个网络要先登录" in first[1]  # Chinese words, not the exception's English
    text = " ".join(line for card in screen.cards for line in card.lines)
    assert "text/html" not in text and "HTTP" not in text
    kiosk.ctx.set_locale("ko")  # a Korean-speaking volunteer: the kiosk starts over in Korean
    kiosk.settle()
    kiosk.window.name_label.long_pressed.emit()  # back to the staff area (the session goes on)
    kiosk.settle()
    kiosk.click(kiosk.tr("staff.sync"))
    screen = kiosk.nav.current
    assert screen.cards[0].lines[1] == "이 네트워크는 먼저 로그인을 요구합니다(와이파이 로그인 페이지). " + (
        "이 기기에서 네트워크 로그인을 마쳐 주세요."
    )


def test_joining_a_hub_behind_a_login_page_says_so_in_plain_words(kiosk: Kiosk, portal: str) -> None:
    _enter_pin(kiosk, _open_pin(kiosk), ADMIN_PIN)
    kiosk.click(kiosk.tr("admin.settings"))
    assert kiosk.nav.current_key == ScreenKey.ADMIN_SETTINGS
    screen = kiosk.nav.current
    screen.inputs["hub_url"].setText(f"http://{portal}")
    screen.enrol_code.setText("ABCD-EFGH")
    kiosk.click(kiosk.tr("admin.enrol"))
    kiosk.qtbot.waitUntil(screen.message.isVisible, timeout=15_000)
    expected = kiosk.tr("admin.enrol_failed", detail=kiosk.tr("sync.failed.captive_portal"))
    assert screen.message.text() == expected
    screen.inputs["hub_url"].setText("http://192.0.2.7")  # plain http:// to another machine
    kiosk.click(kiosk.tr("admin.enrol"))
    kiosk.qtbot.waitUntil(lambda: "https://" in screen.message.text(), timeout=15_000)
    assert screen.message.text() == kiosk.tr(
        "admin.enrol_failed", detail=kiosk.tr("sync.failed.enrol_insecure")
    )
