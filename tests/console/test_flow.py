"""End to end in headless Chromium: a station's problem report is received, answered and closed
by hub staff, and the station's 我的办件 shows the reply; a help call lights up the queue."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from models.station import KIOSK
from sync.engine import SyncEngine
from tests.console.conftest import (
    REFRESH_SECONDS,
    VOLUNTEER,
    ConsoleHub,
    EnrolledStation,
    NewPage,
    browser_login,
    person,
    shot,
)

REPLY = "村口的路灯已经换好了，谢谢您反映。"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_report_received_answered_closed_and_shown_at_station(
    backend: str,
    request: pytest.FixtureRequest,
    make_station: Callable[[ConsoleHub], EnrolledStation],
    new_page: NewPage,
) -> None:
    hub: ConsoleHub = request.getfixturevalue("hub" if backend == "sqlite" else "pg_hub")
    st = make_station(hub)
    resident = person(101)
    rid = st.station.residents.add(resident, VOLUNTEER)
    rec = st.station.requests.submit(
        "problem_report",
        {"category": "road_light", "description": "村口路灯坏了三天，晚上太黑"},
        KIOSK,
        resident_id=rid,
    )
    assert SyncEngine(st.station).run_once().complete

    page = new_page()
    browser_login(page, hub, "zhuguan")
    page.select_option("select[name=station]", label=st.name)
    page.click("form.filters button.primary")
    row = page.locator("table.queue tbody tr", has_text=rec.receipt_code)
    expect(row).to_be_visible()
    expect(row).to_contain_text("待受理")
    if backend == "sqlite":
        shot(page, "queue")
    row.locator("a").click()
    expect(page.locator("h1")).to_contain_text("反映问题")
    body = page.content()
    assert "村口路灯坏了三天" in body and "道路路灯" in body
    assert resident.name not in body and resident.phone not in body  # identity stays hidden by default
    if backend == "sqlite":
        shot(page, "request")
    page.click("text=查看个人信息")
    expect(page.locator("dl.personal")).to_contain_text(resident.name)
    expect(page.locator("dl.personal")).to_contain_text("女儿 李红")
    if backend == "sqlite":
        shot(page, "request-personal")

    page.click("button[value=receive]")
    expect(page.locator(".flash")).to_contain_text("已受理")
    expect(page.locator(".status.big")).to_have_text("已受理")
    page.fill("textarea[name=text]", REPLY)
    page.click("button[value=close]")
    expect(page.locator(".status.big")).to_have_text("已办结")
    expect(page.locator(".card.reply")).to_contain_text(REPLY)
    if backend == "sqlite":
        shot(page, "request-closed")

    report = SyncEngine(st.station).run_once()
    assert report.complete and report.pulled >= 2
    answered = st.station.requests.get(rec.id)
    assert answered.state == "DONE" and answered.reply == REPLY
    mine = st.station.requests.for_resident(rid)  # what 我的办件 renders and reads aloud
    assert [(m.id, m.state, m.reply) for m in mine] == [(rec.id, "DONE", REPLY)]


def test_help_call_appears_highlighted_within_refresh_interval(
    hub: ConsoleHub,
    make_station: Callable[[ConsoleHub], EnrolledStation],
    new_page: NewPage,
) -> None:
    st = make_station(hub)
    rid = st.station.residents.add(person(102), VOLUNTEER)
    page = new_page()
    browser_login(page, hub, "xiaowang")
    page.evaluate("window.localStorage.setItem('yz-sound', 'on')")
    page.reload()
    expect(page.locator("#sound-toggle")).to_have_text("提示音：开")
    time.sleep(0.5)

    call = st.station.requests.help_call(KIOSK, resident_id=rid)
    started = time.monotonic()
    assert SyncEngine(st.station).run_once().complete
    page.wait_for_selector(f'.helpcall[data-id="{call.id}"]', timeout=(2 * REFRESH_SECONDS + 3) * 1000)
    waited = time.monotonic() - started
    assert waited <= REFRESH_SECONDS + 3, f"help call took {waited:.1f}s to show"
    band = page.locator(".helpcalls.has-calls")
    expect(band).to_be_visible()
    # retried like every expect(): the periodic refresh may be replacing the band at this moment
    expect(band).to_have_css("background-color", "rgb(142, 11, 11)")
    expect(page.locator(f'.helpcall[data-id="{call.id}"]')).to_have_class("helpcall fresh")
    assert page.get_attribute("body", "data-beeped"), "no alert sound was played"
    assert page.title().startswith("(")
    shot(page, "queue-helpcall")

    # Staff take the call: the station learns someone answered.
    page.click(f'.helpcall[data-id="{call.id}"]')
    page.fill("textarea[name=text]", "已通知网格员，马上到。")
    page.click("button[value=receive]")
    expect(page.locator(".status.big")).to_have_text("已受理")
    assert SyncEngine(st.station).run_once().complete
    taken = st.station.requests.get(call.id)
    assert taken.acknowledged_at is not None and taken.state == "RECEIVED"
