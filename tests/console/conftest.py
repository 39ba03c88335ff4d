"""Fixtures for the staff console tests: a real hub over HTTP (SQLite; PostgreSQL for the
end-to-end flow), staff accounts of each role, real enrolled stations, headless Chromium
(Debian's /usr/bin/chromium driven by Playwright) and a logged-in `requests` session.

The hub runs with a 2-second queue refresh so "a help call appears within the refresh interval"
is quick to test; every other timer keeps its production default. Screenshots go to
artifacts/console/ (gitignored).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pytest
import requests

from models.residents import ResidentInput
from models.station import Actor, Station
from models.validation import id_check_char
from sync.client import enrol
from sync.credentials import save_credential
from tests.console.seeding import HubDb
from tests.support.hubhandle import HubHandle, hub_on
from tests.support.hubproc import HubProcess

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "console"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
REFRESH_SECONDS = 2
PASSWORD = "console-pass-2025"
USERS = {"guanli": "admin", "zhuguan": "supervisor", "xiaowang": "staff", "suoding": "staff"}
PASSPHRASE = "console test passphrase"
VOLUNTEER = Actor("volunteer", "v1")
_names = itertools.count(1)


ConsoleHub = HubHandle  # the name these tests use


class WebHub(Protocol):
    """Any running hub the tests reach over HTTP: the shared HubHandle or a bare HubProcess."""

    @property
    def url(self) -> str: ...


class NewPage(Protocol):
    """The `new_page` fixture: a fresh Chromium page in a context of its own."""

    def __call__(self, width: int = 1280, height: int = 860, locale: str = "zh-CN") -> Page: ...


@contextlib.contextmanager
def _console_hub(request: pytest.FixtureRequest, backend: str) -> Iterator[HubHandle]:
    """The suite's shared hub (`hub_on`) with a short queue refresh and a staff account of each role."""
    env = {
        "YIZHAN_CONSOLE_REFRESH_SECONDS": str(REFRESH_SECONDS),
        # Many tests log in (and fail to) from 127.0.0.1; the per-address limit has its own test.
        "YIZHAN_HUB_LOGIN_FAILURES_PER_ADDRESS": "100000",
    }
    with hub_on(request, backend, database="console", env=env, prefix="yizhan-console-") as hub:
        for user, role in USERS.items():
            hub.run("staff", "add", user, "--role", role, env={"YIZHAN_HUB_PASSWORD": PASSWORD})
        yield hub


@pytest.fixture(scope="session")
def hub(request: pytest.FixtureRequest) -> Iterator[HubHandle]:
    with _console_hub(request, "sqlite") as handle:
        yield handle


@pytest.fixture(scope="session")
def pg_hub(request: pytest.FixtureRequest) -> Iterator[HubHandle]:
    with _console_hub(request, "postgresql") as handle:
        yield handle


def person(n: int, *, alone: bool = True) -> ResidentInput:
    body = f"5101041948{(n % 12) + 1:02d}{(n % 27) + 1:02d}{n % 1000:03d}"
    return ResidentInput(
        name=f"李秀兰{n}",
        id_number=body + id_check_char(body),
        phone=f"139{n:08d}",
        address=f"东山村{n}组",
        living_alone=alone,
        emergency_contact=f"女儿 李红 1380000{n:04d}",
    )


@dataclass
class EnrolledStation:
    name: str
    station: Station


@pytest.fixture
def make_station(tmp_path: Path) -> Iterator[Callable[[ConsoleHub], EnrolledStation]]:
    made: list[Station] = []

    def make(target: ConsoleHub) -> EnrolledStation:
        n = next(_names)
        name = f"东山村驿站{n}-{tmp_path.name[-4:]}"
        station = Station.create(tmp_path / f"station{n}", PASSPHRASE, name=name, prefix=f"D{n:02d}")
        save_credential(station, enrol(target.url, target.enrol_code(name)), Actor("admin", "t"))
        _assign_staff(target, name)
        made.append(station)
        return EnrolledStation(name, station)

    yield make
    for station in made:
        station.close()


def _assign_staff(hub: HubHandle, station_name: str) -> None:
    """Staff see only the stations an admin assigned them: give every staff account this station."""
    from sqlalchemy import select

    from server.db.models import StaffUser
    from server.services.staff import assign_stations

    with hub.session() as session:
        for user in session.scalars(select(StaffUser).where(StaffUser.role == "staff")):
            assign_stations(session, user, [station_name])


def login_session(hub: WebHub, user: str, password: str = PASSWORD) -> requests.Session:
    """A `requests` session logged in through the real login form (double-submit token)."""
    http = requests.Session()
    page = http.get(hub.url + "/console/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    answer = http.post(
        hub.url + "/console/login",
        timeout=30,
        allow_redirects=False,
        data={"username": user, "password": password, "csrf_token": token.group(1)},
    )
    assert answer.status_code == 303, (answer.status_code, answer.text[:300])
    return http


def csrf_of(http: requests.Session, url: str) -> str:
    found = re.search(r'data-csrf="([^"]+)"', http.get(url, timeout=10).text)
    assert found
    return found.group(1)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run scripts/setup.sh"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    contexts: list[BrowserContext] = []

    def make(width: int = 1280, height: int = 860, locale: str = "zh-CN") -> Page:
        ctx = browser.new_context(
            viewport={"width": width, "height": height}, locale=locale, timezone_id="Asia/Shanghai"
        )
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def browser_login(page: Page, hub: WebHub, user: str, password: str = PASSWORD) -> None:
    page.goto(hub.url + "/console/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/console/queue.*"))


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def analysis_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HubDb, HubProcess]]:
    """A hub over HTTP on a database seeded in-process (tests/console/seeding.py): topics with a
    known surge, living-alone residents with known days missed, one formula-like station name."""
    from server.services import console_warnings
    from tests.console.seeding import NOW, hub_db, seed_residents, seed_topics
    from tests.support.hubproc import running_hub

    db = hub_db(tmp_path_factory.mktemp("analysis"))
    seed_topics(db)
    seed_residents(db)
    # A station name a spreadsheet would run as a formula: exports must keep it as text.
    db.add(
        '=HYPERLINK("http://x")', "problem_report", {"description": "路灯坏了"}, at=NOW - timedelta(hours=3)
    )
    os.environ["YIZHAN_HUB_PASSWORD"] = PASSWORD
    try:
        for user, role in USERS.items():
            assert (
                db.cli(
                    "staff",
                    "add",
                    user,
                    "--role",
                    role,
                    *(["--station", "西岭村驿站"] if role == "staff" else []),
                )[0]
                == 0
            )
    finally:
        del os.environ["YIZHAN_HUB_PASSWORD"]
    with db.session() as session:
        console_warnings.set_threshold(session, db.stations["西岭村驿站"], 5)
    with running_hub(db.home, db.url) as hub:
        yield db, hub
