"""居民议事 in the console, driven in headless Chromium: a supervisor asks two stations' residents,
votes arrive through real sync, the results page shows counts, turnout and suggestions, the Excel
export opens with openpyxl, publishing sends a notice — and staff may read but not create."""

from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from models import consultations
from server.db.console_models import ConsoleAudit
from sync.consult_votes import cast_vote
from sync.engine import SyncEngine
from tests.console.conftest import (
    VOLUNTEER,
    ConsoleHub,
    EnrolledStation,
    NewPage,
    browser_login,
    csrf_of,
    login_session,
    person,
    shot,
)

FORMULA = '=HYPERLINK("http://evil","点我")'


def test_supervisor_asks_stations_vote_results_export_publish(
    hub: ConsoleHub,
    make_station: Callable[[ConsoleHub], EnrolledStation],
    new_page: NewPage,
) -> None:
    a, b = make_station(hub), make_station(hub)
    voters = [person(301), person(302), person(303)]
    for p in voters[:2]:
        a.station.residents.add(p, VOLUNTEER)
    b.station.residents.add(voters[2], VOLUNTEER)

    page = new_page()
    browser_login(page, hub, "zhuguan")
    page.goto(hub.url + "/console/consultations")
    page.fill("#consult-title", "卫生室哪天来村里")
    page.fill("#consult-body", "县卫生室每周来村里一次，您觉得哪天最方便？")
    page.fill("#consult-option-0", "星期二")
    page.fill("#consult-option-1", "星期五")
    page.check("input[name=allow_suggestions]")
    page.check("input[name=audience][value=some]")
    page.check(f"input[name=stations][value='{a.name}']")
    page.check(f"input[name=stations][value='{b.name}']")
    page.once("dialog", lambda d: d.accept())
    page.click("#consult-form button.primary")
    expect(page.locator(".flash")).to_contain_text("议事已发起")
    shot(page, "consultations")

    for st in (a, b):
        assert SyncEngine(st.station).run_once().complete
    [shown] = consultations.open_consultations(a.station)
    cast_vote(a.station, shown.id, voters[0].id_number, 0, "早上八点以前来最好")
    cast_vote(a.station, shown.id, voters[1].id_number, 1, FORMULA)
    cast_vote(b.station, shown.id, voters[2].id_number, 0, None)
    for st in (a, b):
        assert SyncEngine(st.station).run_once().complete

    page.click("text=卫生室哪天来村里")
    expect(page.locator("h1")).to_contain_text("卫生室哪天来村里")
    table = page.locator("#consult-table")
    expect(table.locator("tr", has_text="星期二")).to_contain_text("2")
    expect(table.locator("tr", has_text="星期五")).to_contain_text("1")
    expect(page.locator("ul.suggestions")).to_contain_text("早上八点以前来最好")
    shot(page, "consultation-results")

    http = login_session(hub, "zhuguan")
    book = load_workbook(io.BytesIO(http.get(page.url + "/export.xlsx", timeout=30).content))
    rows = list(book["结果"].iter_rows(values_only=True))
    assert rows[2][:2] == ("星期二", 2) and rows[3][:2] == ("星期五", 1)
    notes = [r[0] for r in book["建议"].iter_rows(min_row=2, values_only=True)]
    assert "'" + FORMULA in notes and FORMULA not in notes  # a formula stays text

    # Staff may read results but not ask, close or publish.
    staff = login_session(hub, "xiaowang")
    assert staff.get(page.url, timeout=10).status_code == 200
    token = csrf_of(staff, hub.url + "/console/consultations")
    refused = staff.post(
        hub.url + "/console/consultations",
        timeout=10,
        allow_redirects=False,
        data={"csrf_token": token, "title": "t", "body": "b", "option": ["x", "y"]},
    )
    assert refused.status_code == 403

    page.once("dialog", lambda d: d.accept())
    page.click("text=公布结果")
    expect(page.locator(".flash")).to_contain_text("结果已作为通知")
    for st in (a, b):
        assert SyncEngine(st.station).run_once().complete
        assert consultations.open_consultations(st.station) == []
    with hub.session() as session:
        actions = {
            (row.username, row.action)
            for row in session.scalars(
                select(ConsoleAudit).where(ConsoleAudit.target == f"consultation:{shown.id}")
            )
        }
    assert actions == {("zhuguan", "consult_create"), ("zhuguan", "consult_publish")}
