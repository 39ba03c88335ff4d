"""Roles, personal-data audit, CSRF, session expiry and lockout, against the real hub over HTTP."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import select, update

from models.station import KIOSK
from server.db.console_models import ConsoleAudit, ConsoleSession
from server.db.models import ServiceRequest, StaffUser
from sync.client import HubClient
from sync.credentials import load_credential
from sync.engine import SyncEngine
from sync.sealing import record_aad, seal
from tests.console.conftest import (
    PASSWORD,
    VOLUNTEER,
    ConsoleHub,
    EnrolledStation,
    browser_login,
    csrf_of,
    login_session,
    person,
    shot,
)

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


def _report(
    hub: ConsoleHub, make_station: Callable[[ConsoleHub], EnrolledStation], n: int
) -> tuple[str, str]:
    st = make_station(hub)
    who = person(n)
    rid = st.station.residents.add(who, VOLUNTEER)
    rec = st.station.requests.submit(
        "problem_report", {"category": "water_power", "description": "自来水停了两天"}, KIOSK, resident_id=rid
    )
    cred = load_credential(st.station)
    assert cred is not None
    with HubClient(cred) as client:  # a photo, sealed to the hub for this record
        client.upload_attachment(
            seal(PNG, cred.hub_public_key, record_aad(rec.id, "attachment")), record_id=uuid.UUID(rec.id)
        )
    assert SyncEngine(st.station).run_once().complete
    return rec.id, who.name


def test_staff_role_cannot_open_personal_data_and_views_are_audited(
    hub: ConsoleHub,
    make_station: Callable[[ConsoleHub], EnrolledStation],
    new_page,  # type: ignore[no-untyped-def]
) -> None:
    request_id, name = _report(hub, make_station, 201)
    staff = login_session(hub, "xiaowang")
    page = staff.get(f"{hub.url}/console/requests/{request_id}", timeout=10)
    assert page.status_code == 200 and "自来水停了两天" in page.text and name not in page.text
    assert "无权查看居民个人信息" in page.text
    for path in (
        f"/console/requests/{request_id}?show=personal",
        f"/console/requests/{request_id}/photos/" + _photo_sha(hub, request_id),
        "/console/checkins",
        "/console/stations",
        "/console/users",
    ):
        answer = staff.get(hub.url + path, timeout=10, allow_redirects=False)
        assert answer.status_code == 403, path
        assert name.encode() not in answer.content

    # A staff account with no stations assigned sees none of them (fail closed), not all of them.
    hub.run("staff", "add", "weifenpei", "--role", "staff", env={"YIZHAN_HUB_PASSWORD": PASSWORD})
    unassigned = login_session(hub, "weifenpei")
    refused = unassigned.get(f"{hub.url}/console/requests/{request_id}", timeout=10, allow_redirects=False)
    assert refused.status_code == 403 and "自来水停了两天" not in refused.text
    queue = unassigned.get(f"{hub.url}/console/queue", timeout=10)
    assert queue.status_code == 200 and request_id not in queue.text

    # The same refusal in a real browser, as the staff member sees it.
    browser = new_page()
    browser_login(browser, hub, "xiaowang")
    response = browser.goto(f"{hub.url}/console/requests/{request_id}?show=personal")
    assert response is not None and response.status == 403
    assert "没有权限" in browser.content() and name not in browser.content()
    shot(browser, "forbidden-personal")

    boss = login_session(hub, "zhuguan")
    shown = boss.get(f"{hub.url}/console/requests/{request_id}?show=personal", timeout=10)
    assert shown.status_code == 200 and name in shown.text and "/photos/" in shown.text
    photo = boss.get(
        f"{hub.url}/console/requests/{request_id}/photos/{_photo_sha(hub, request_id)}", timeout=10
    )
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/png" and photo.content == PNG
    with hub.session() as session:
        actions = {
            (a.username, a.action)
            for a in session.scalars(
                select(ConsoleAudit).where(ConsoleAudit.target == f"request:{request_id}")
            )
        }
    assert {("zhuguan", "view_personal"), ("zhuguan", "view_photo"), ("xiaowang", "view_request")} <= actions
    assert ("xiaowang", "view_personal") not in actions


def _photo_sha(hub: ConsoleHub, request_id: str) -> str:
    from server.db.models import Attachment

    with hub.session() as session:
        return session.scalars(select(Attachment.sha256).where(Attachment.record_id == request_id)).one()


def _status(hub: ConsoleHub, request_id: str) -> str:
    with hub.session() as session:
        return session.get(ServiceRequest, request_id).status  # type: ignore[union-attr]


def test_csrf_token_required_for_every_change(
    hub: ConsoleHub, make_station: Callable[[ConsoleHub], EnrolledStation]
) -> None:
    request_id, _ = _report(hub, make_station, 202)
    boss = login_session(hub, "zhuguan")
    act = f"{hub.url}/console/requests/{request_id}/act"
    for data in ({"action": "receive"}, {"action": "receive", "csrf_token": "forged"}):
        refused = boss.post(act, data=data, timeout=10, allow_redirects=False)
        assert refused.status_code == 403 and "安全令牌" in refused.text
    assert _status(hub, request_id) == "new"
    for path in ("/console/logout", "/console/notices", "/console/stations/code", "/console/slots"):
        assert (
            boss.post(
                hub.url + path,
                data={"title": "x", "body": "y", "name": "z"},
                timeout=10,
                allow_redirects=False,
            ).status_code
            == 403
        ), path
    token = csrf_of(boss, hub.url + "/console/queue")
    ok = boss.post(act, data={"action": "receive", "csrf_token": token}, timeout=10, allow_redirects=False)
    assert ok.status_code == 303 and _status(hub, request_id) == "received"
    assigned = boss.post(
        f"{hub.url}/console/requests/{request_id}/assign",
        data={"department": "水电维修组", "csrf_token": token},
        timeout=10,
        allow_redirects=False,
    )
    assert assigned.status_code == 303
    assert assigned.headers["location"] == f"/console/requests/{request_id}?flash=assigned"
    with hub.session() as session:
        assert session.get(ServiceRequest, request_id).department == "水电维修组"  # type: ignore[union-attr]
        audits = session.scalars(
            select(ConsoleAudit).where(ConsoleAudit.target == f"request:{request_id}")
        ).all()
        assert {(a.action, a.detail) for a in audits} >= {
            ("request_receive", None),
            ("request_assign", "水电维修组"),
        }
    # The login form has its own double-submit token: a cross-site login POST is refused.
    stranger = requests.post(
        hub.url + "/console/login",
        data={"username": "zhuguan", "password": PASSWORD},
        timeout=30,
        allow_redirects=False,
    )
    assert stranger.status_code == 403


def _age_session(hub: ConsoleHub, http: requests.Session, **values: datetime) -> None:
    from server.services.console_sessions import token_hash

    token = http.cookies.get("yz_session")
    assert token
    with hub.session() as session:
        session.execute(
            update(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token)).values(**values)
        )


def test_session_expires_when_idle_and_after_its_lifetime(hub: ConsoleHub) -> None:
    now = datetime.now(UTC)
    http = login_session(hub, "xiaowang")
    assert http.get(hub.url + "/console/queue", timeout=10, allow_redirects=False).status_code == 200
    # Auto-refresh polls do not keep a session alive.
    _age_session(hub, http, last_seen_at=now - timedelta(minutes=20))
    poll = http.get(hub.url + "/console/queue/live", headers={"X-Console-Poll": "1"}, timeout=10)
    assert poll.status_code == 200
    _age_session(hub, http, last_seen_at=now - timedelta(minutes=31))
    poll = http.get(hub.url + "/console/queue/live", headers={"X-Console-Poll": "1"}, timeout=10)
    assert poll.status_code == 401
    gone = http.get(hub.url + "/console/queue", timeout=10, allow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/console/login?next=")

    http = login_session(hub, "xiaowang")
    _age_session(hub, http, expires_at=now - timedelta(seconds=1))  # active, but past its 12 h
    assert http.get(hub.url + "/console/queue", timeout=10, allow_redirects=False).status_code == 303


def _login_status(hub: ConsoleHub, user: str, password: str) -> int:
    http = requests.Session()
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', http.get(hub.url + "/console/login", timeout=10).text
    )
    assert token
    return http.post(
        hub.url + "/console/login",
        data={"username": user, "password": password, "csrf_token": token.group(1)},
        timeout=30,
        allow_redirects=False,
    ).status_code


def test_lockout_after_repeated_failures_and_admin_unlock(hub: ConsoleHub) -> None:
    # Locked, wrong and unknown all answer alike (401, same words): nothing tells which names exist.
    assert [_login_status(hub, "suoding", f"wrong-{i}") for i in range(5)] == [401] * 5
    assert _login_status(hub, "suoding", PASSWORD) == 401  # the right password does not help while locked
    assert _login_status(hub, "nobody-here", "whatever") == 401
    admin = login_session(hub, "guanli")
    with hub.session() as session:
        user_id = session.scalars(select(StaffUser.id).where(StaffUser.username == "suoding")).one()
    token = csrf_of(admin, hub.url + "/console/users")
    assert "锁定至" in admin.get(hub.url + "/console/users", timeout=10).text
    done = admin.post(
        f"{hub.url}/console/users/{user_id}",
        data={"csrf_token": token, "role": "staff", "unlock": "1"},
        timeout=10,
        allow_redirects=False,
    )
    assert done.status_code == 303
    assert _login_status(hub, "suoding", PASSWORD) == 303


def test_staff_change_their_own_password_in_the_browser(hub: ConsoleHub, new_page) -> None:  # type: ignore[no-untyped-def]
    hub.run("staff", "add", "gaimima", "--role", "staff", env={"YIZHAN_HUB_PASSWORD": PASSWORD})
    page = new_page()
    browser_login(page, hub, "ＧａｉＭｉＭａ")  # full-width and capitals name the same account
    page.click("a.account")
    page.wait_for_url(re.compile(r".*/console/password$"))
    page.fill("input[name=old_password]", "not the password")
    page.fill("input[name=new_password]", "a brand new one 7")
    page.fill("input[name=repeat_password]", "a brand new one 7")
    page.click("button.primary")
    assert "当前密码不对" in page.content()
    shot(page, "password-wrong-current")
    page.fill("input[name=old_password]", PASSWORD)
    page.fill("input[name=new_password]", "a brand new one 7")
    page.fill("input[name=repeat_password]", "a brand new one 7")
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/console/login.*"))
    assert "密码已修改" in page.content()
    shot(page, "password-changed")
    assert _login_status(hub, "gaimima", PASSWORD) == 401
    browser_login(page, hub, "gaimima", "a brand new one 7")
