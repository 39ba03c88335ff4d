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
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine

from models.residents import ResidentInput
from models.station import Actor, Station
from models.validation import id_check_char
from server.core.keys import HubKeys, load_key_file
from sync.client import enrol
from sync.credentials import save_credential
from tests.support import pgcluster
from tests.support.hubproc import HubProcess, init_hub, running_hub

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "console"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]
REFRESH_SECONDS = 2
PASSWORD = "console-pass-2025"
USERS = {"guanli": "admin", "zhuguan": "supervisor", "xiaowang": "staff", "suoding": "staff"}
PASSPHRASE = "console test passphrase"
VOLUNTEER = Actor("volunteer", "v1")
_names = itertools.count(1)


@dataclass
class ConsoleHub:
    backend: str
    process: HubProcess
    keys: HubKeys
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return self.process.url

    def cli(self, *args: str, env: dict[str, str] | None = None) -> str:
        import io

        from server.cli import main

        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()), _env(env or {}):
            assert main([*args, "--home", str(self.process.home), "--db", self.process.db_url]) == 0
        return out.getvalue().strip()

    def engine(self) -> Engine:
        if self._engine is None:
            from server.core.db import make_engine

            self._engine = make_engine(self.process.db_url, pool_size=2)
        return self._engine

    @contextlib.contextmanager
    def session(self):  # type: ignore[no-untyped-def]
        from server.core.db import session_factory, transaction

        with transaction(session_factory(self.engine())) as session:
            yield session


@contextlib.contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextlib.contextmanager
def _start_hub(backend: str, db_url: str | None = None) -> Iterator[ConsoleHub]:
    home = Path(tempfile.mkdtemp(prefix=f"yizhan-console-{backend}-"))
    db_url = db_url or f"sqlite:///{home / 'hub.sqlite3'}"
    init_hub(home, db_url)
    with _env({"YIZHAN_CONSOLE_REFRESH_SECONDS": str(REFRESH_SECONDS)}), running_hub(home, db_url) as proc:
        hub = ConsoleHub(backend, proc, load_key_file(home / "hub-keys.json"))
        for user, role in USERS.items():
            hub.cli("staff", "add", user, "--role", role, env={"YIZHAN_HUB_PASSWORD": PASSWORD})
        yield hub
        if hub._engine is not None:
            hub._engine.dispose()


@pytest.fixture(scope="session")
def hub() -> Iterator[ConsoleHub]:
    with _start_hub("sqlite") as handle:
        yield handle


@pytest.fixture(scope="session")
def pg_hub() -> Iterator[ConsoleHub]:
    if not pgcluster.available():
        pytest.skip("PostgreSQL server binaries not installed")
    with pgcluster.pg_cluster() as cluster, _start_hub("postgresql", cluster.create_database("console")) as handle:
        yield handle


def person(n: int, *, alone: bool = True) -> ResidentInput:
    body = f"5101041948{(n % 12) + 1:02d}{(n % 27) + 1:02d}{n % 1000:03d}"
    return ResidentInput(name=f"李秀兰{n}", id_number=body + id_check_char(body), phone=f"139{n:08d}",
                         address=f"东山村{n}组", living_alone=alone, emergency_contact=f"女儿 李红 1380000{n:04d}")


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
        save_credential(station, enrol(target.url, target.cli("enrol-code", "--station", name)), Actor("admin", "t"))
        made.append(station)
        return EnrolledStation(name, station)

    yield make
    for station in made:
        station.close()


def login_session(hub: ConsoleHub, user: str, password: str = PASSWORD) -> requests.Session:
    """A `requests` session logged in through the real login form (double-submit token)."""
    http = requests.Session()
    page = http.get(hub.url + "/console/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    answer = http.post(hub.url + "/console/login", timeout=30, allow_redirects=False,
                       data={"username": user, "password": password, "csrf_token": token.group(1)})
    assert answer.status_code == 303, (answer.status_code, answer.text[:300])
    return http


def csrf_of(http: requests.Session, url: str) -> str:
    found = re.search(r'data-csrf="([^"]+)"', http.get(url, timeout=10).text)
    assert found
    return found.group(1)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):  # type: ignore[no-untyped-def]
    contexts = []

    def make(width: int = 1280, height: int = 860, locale: str = "zh-CN"):  # type: ignore[no-untyped-def]
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                  timezone_id="Asia/Shanghai")
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def browser_login(page, hub: ConsoleHub, user: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(hub.url + "/console/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/console/queue.*"))


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
