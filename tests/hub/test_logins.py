"""Logins that resist spraying and exhaustion (issue 10 §4, §5), on a hub of their own with small
per-address limits (the shared hubs are generous so other tests can fail logins freely).

Attacks reproduced: guessing from one address (lockout was per username only, and locked accounts
answered differently from unknown ones); 60 parallel logins (32 MiB per scrypt hash took the hub
from 267 MB to 1.4 GB); lookalike usernames; enrolment-code guessing. Also: password change and
reset (console and CLI) are audited and end old sessions; /docs is off; hub SQLite file is 0600.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from server.db.console_models import ConsoleAudit
from sync.client import AuthRefused, SyncError, Transient, enrol
from tests.console.forms import change_password, form_token
from tests.hub.test_body_limits import rss_mb
from tests.support.hubhandle import HubHandle, started_hub
from tests.support.hubproc import running_hub

PASSWORD = "correct horse 1"
LIMITS = {"YIZHAN_HUB_LOGIN_FAILURES_PER_ADDRESS": "8", "YIZHAN_HUB_ENROL_FAILURES_PER_ADDRESS": "3"}


BURST = 60


@pytest.fixture(scope="module")
def own_hub(postgres_cluster: Any) -> Iterator[HubHandle]:
    """PostgreSQL: logins of different users run in parallel there (SQLite's BEGIN IMMEDIATE would
    serialise them and hide the memory problem)."""
    env = {
        **LIMITS,
        **(
            {"YIZHAN_HUB_HASH_SLOTS": os.environ["HASH_SLOTS_FOR_BEFORE"]}
            if "HASH_SLOTS_FOR_BEFORE" in os.environ
            else {}
        ),
    }
    with started_hub(
        "postgresql", postgres_cluster.create_database(), env=env, prefix="yizhan-logins-"
    ) as hub:
        for name, role in (("admin", "admin"), ("zhangsan", "staff")):
            hub.run("staff", "add", name, "--role", role, env={"YIZHAN_HUB_PASSWORD": PASSWORD})
        _add_burst_users(hub)
        yield hub


def _add_burst_users(hub: HubHandle) -> None:
    from server.db.models import StaffUser
    from server.services.staff import hash_password

    shared = hash_password(PASSWORD)  # one hash for all: set-up need not spend 60 of them
    with hub.session() as session:
        session.add_all(
            StaffUser(username=f"burst{i}", role="staff", password_hash=shared) for i in range(BURST)
        )


def attempt(
    hub: HubHandle, user: str, password: str, http: requests.Session | None = None
) -> requests.Response:
    http = http or requests.Session()
    page = http.get(hub.url + "/console/login", timeout=30)
    return http.post(
        hub.url + "/console/login",
        timeout=60,
        allow_redirects=False,
        data={"username": user, "password": password, "csrf_token": form_token(page.text)},
    )


def _error(response: requests.Response) -> str:
    found = re.search(r'role="alert">([^<]*)<', response.text)
    return found.group(1) if found else ""


def test_lookalike_usernames_cannot_coexist_and_log_in_as_one(own_hub: HubHandle) -> None:
    for lookalike in ("Admin", "ＡＤＭＩＮ", "admin\u200b", " ADMIN "):
        code, _out = own_hub.cli(
            "staff", "add", lookalike, "--role", "admin", env={"YIZHAN_HUB_PASSWORD": PASSWORD}
        )
        assert code != 0, lookalike
    assert attempt(own_hub, "ＡＤＭＩＮ", PASSWORD).status_code == 303


@pytest.mark.slow
def test_sixty_parallel_logins_keep_memory_bounded(own_hub: HubHandle) -> None:
    assert own_hub.process.proc is not None
    pid = own_hub.process.proc.pid
    baseline, peak = rss_mb(pid), 0.0
    statuses: list[int] = []
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mb(pid))
            time.sleep(0.02)

    def login(i: int) -> None:
        statuses.append(attempt(own_hub, f"burst{i}", PASSWORD).status_code)

    sampler = threading.Thread(target=sample)
    sampler.start()
    workers = [threading.Thread(target=login, args=(i,)) for i in range(BURST)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    done.set()
    sampler.join()
    assert len(statuses) == 60 and set(statuses) <= {303, 429} and statuses.count(303) >= 10, statuses
    # Two 32 MiB hashes at a time plus request overhead; unbounded it was 60 x 32 MiB.
    assert peak - baseline < 160, f"RSS {baseline:.0f} -> peak {peak:.0f} MB"
    print(f"60 parallel logins: RSS {baseline:.0f} MB -> peak {peak:.0f} MB; answers {sorted(set(statuses))}")


def test_password_change_and_reset_are_audited_and_end_sessions(own_hub: HubHandle) -> None:
    staff = requests.Session()
    assert attempt(own_hub, "zhangsan", PASSWORD, staff).status_code == 303
    other_device = requests.Session()
    assert attempt(own_hub, "zhangsan", PASSWORD, other_device).status_code == 303
    form = staff.get(own_hub.url + "/console/password", timeout=30)
    assert form.status_code == 200
    csrf = form_token(form.text)
    wrong = change_password(staff, own_hub.url, csrf, "not it at all", "new secret 22")
    assert wrong.status_code == 403 and "当前密码不对" in wrong.text
    changed = change_password(staff, own_hub.url, csrf, PASSWORD, "new secret 22", allow_redirects=False)
    assert changed.status_code == 303 and "password_changed" in changed.headers["location"]
    assert (
        other_device.get(own_hub.url + "/console/queue", timeout=30, allow_redirects=False).status_code == 303
    )
    assert attempt(own_hub, "zhangsan", "new secret 22").status_code == 303

    admin = requests.Session()
    assert attempt(own_hub, "admin", PASSWORD, admin).status_code == 303
    target = _user_id(own_hub, "zhangsan")
    users = admin.get(own_hub.url + "/console/users", timeout=30).text
    assert f"/console/users/{target}/password" in users  # the admin's way in from the account list
    page = admin.get(f"{own_hub.url}/console/users/{target}/password", timeout=30)
    assert page.status_code == 200 and "zhangsan" in page.text
    reset = admin.post(
        f"{own_hub.url}/console/users/{target}/password",
        timeout=60,
        allow_redirects=False,
        data={
            "csrf_token": form_token(page.text),
            "new_password": "reset by admin 3",
            "repeat_password": "reset by admin 3",
        },
    )
    assert reset.status_code == 303
    assert attempt(own_hub, "zhangsan", "reset by admin 3").status_code == 303

    own_hub.run("staff", "password", "ZhangSan", env={"YIZHAN_HUB_PASSWORD": "reset by cli 44"})
    assert attempt(own_hub, "zhangsan", "reset by cli 44").status_code == 303
    with own_hub.session() as session:
        actions = [(a.username, a.action, a.target) for a in session.scalars(select(ConsoleAudit))]
    assert ("zhangsan", "password_change", "user:zhangsan") in actions
    assert ("zhangsan", "password_change_refused", "user:zhangsan") in actions
    assert ("admin", "password_reset", "user:zhangsan") in actions
    assert ("cli", "password_reset", "user:zhangsan") in actions


def _user_id(hub: HubHandle, name: str) -> str:
    from server.db.models import StaffUser

    with hub.session() as session:
        return str(session.scalars(select(StaffUser.id).where(StaffUser.username == name)).one())


def test_failed_logins_are_limited_per_address_and_look_alike(own_hub: HubHandle) -> None:
    # Lock one account (5 wrong passwords), then compare it with an unknown name: same answer.
    for i in range(5):
        attempt(own_hub, "admin", f"guess-{i}")
    locked = attempt(own_hub, "admin", PASSWORD)  # even the right password, while locked
    typed_secret = "my-password-typed-as-name-" + secrets.token_hex(4)
    unknown = attempt(own_hub, typed_secret, "whatever")
    assert locked.status_code == unknown.status_code == 401
    assert _error(locked) == _error(unknown) == "用户名或密码不对"
    # The audit keeps only a hash of a name that is no account.
    with own_hub.session() as session:
        rows = [(a.username, a.target) for a in session.scalars(select(ConsoleAudit))]
    assert rows and not any(typed_secret in f"{u} {t}" for u, t in rows)
    # Two more failures reach the address's limit (8); then even a correct login waits.
    attempt(own_hub, "nobody", "x")
    refused = attempt(own_hub, "zhangsan", "reset by cli 44")
    assert refused.status_code == 429 and "次数过多" in refused.text
    english = requests.Session()
    english.cookies.set("yz_lang", "en", path="/console")
    refused = attempt(own_hub, "zhangsan", "reset by cli 44", english)
    assert refused.status_code == 429 and "Too many login attempts from this computer" in refused.text


def test_enrolment_code_guesses_are_limited_per_address(own_hub: HubHandle) -> None:
    real = own_hub.enrol_code("限流站")
    for guess in ("AAAA-BBBB-CCCC", "AAAA-BBBB-CCCD", "AAAA-BBBB-CCCE"):
        with pytest.raises(SyncError):  # AuthRefused until the limit
            enrol(own_hub.url, guess)
    with pytest.raises(Transient) as err:
        enrol(own_hub.url, real)
    assert err.value.status == 429 and err.value.code == "too_many_attempts"


def test_failures_leave_the_count_when_the_window_passes(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from server.db.models import FailedAttempt
    from server.services import attempts

    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    FailedAttempt.__table__.create(engine)  # type: ignore[attr-defined]
    start = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        for minute in range(3):  # limit 3 in a 15-minute window
            attempts.record_failure(session, "login", "10.0.0.7", 900, start + timedelta(minutes=minute))
        attempts.record_failure(session, "enrol", "10.0.0.7", 900, start)  # another scope
        later = start + timedelta(minutes=5)
        assert attempts.blocked_for(session, "login", "10.0.0.7", 3, 900, later) == 600 + 1
        assert attempts.blocked_for(session, "login", "10.0.0.8", 3, 900, later) == 0
        assert attempts.blocked_for(session, "enrol", "10.0.0.7", 3, 900, later) == 0
        after = start + timedelta(minutes=15, seconds=30)  # the first failure has left the window
        assert attempts.blocked_for(session, "login", "10.0.0.7", 3, 900, after) == 0
        attempts.record_failure(session, "login", "10.0.0.9", 900, start + timedelta(minutes=16))
        left = session.scalars(select(FailedAttempt.at).order_by(FailedAttempt.at)).all()
        assert left == [start + timedelta(minutes=2), start + timedelta(minutes=16)]  # 15 min or older went
    engine.dispose()


def test_failure_limits_are_shared_by_every_hub_process(postgres_cluster: Any) -> None:
    """`serve --workers N` or several hubs on one database: an address gets the limit once, not once
    per process. Two hub processes on one PostgreSQL database take turns at the guesses."""
    with started_hub("postgresql", postgres_cluster.create_database(), env=LIMITS) as first:
        real = first.enrol_code("两个进程站")
        with running_hub(first.process.home, first.db_url) as second:
            hubs = [first.url, second.url]
            for n, guess in enumerate(("AAAA-BBBB-CCCC", "AAAA-BBBB-CCCD", "AAAA-BBBB-CCCE")):
                with pytest.raises(AuthRefused):  # 3 failures in all, the enrolment limit
                    enrol(hubs[n % 2], guess)
            for url in hubs:  # the second process saw one failure itself, and still says wait
                with pytest.raises(Transient) as err:
                    enrol(url, real)
                assert err.value.status == 429 and err.value.code == "too_many_attempts"


def test_api_docs_are_off_unless_asked_and_the_sqlite_file_is_private(
    own_hub: HubHandle, tmp_path: Path
) -> None:
    for path in ("/docs", "/redoc"):
        assert requests.get(own_hub.url + path, timeout=10).status_code == 404
    assert requests.get(own_hub.url + "/openapi.json", timeout=10).status_code == 200
    from server.core.db import make_engine
    from server.main import create_app

    db = tmp_path / "hub.db"
    make_engine(f"sqlite:///{db}").dispose()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    os.environ["YIZHAN_HUB_API_DOCS"] = "1"
    try:
        from server.core.config import HubSettings
        from server.core.keys import create_key_file

        create_key_file(tmp_path / "hub-keys.json")
        app = create_app(HubSettings(home=tmp_path, db_url=f"sqlite:///{db}"))
        assert app.docs_url == "/docs" and app.redoc_url == "/redoc"
    finally:
        del os.environ["YIZHAN_HUB_API_DOCS"]
