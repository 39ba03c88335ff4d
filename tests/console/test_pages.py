"""The other console pages in Chromium, each checked for what it must do and photographed:
daily check-in with "visited", notices with the kiosk preview, slots with overbooking settled,
stations with an enrolment code, statistics with CSV, users, audit, English, a tablet."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from models.schema import AppointmentSlot, Notice
from models.station import KIOSK
from sync.engine import SyncEngine
from tests.console.conftest import (
    VOLUNTEER,
    ConsoleHub,
    EnrolledStation,
    NewPage,
    browser_login,
    login_session,
    person,
    shot,
)


def test_checkins_notices_slots_stations_stats(
    hub: ConsoleHub,
    make_station: Callable[[ConsoleHub], EnrolledStation],
    new_page: NewPage,
) -> None:
    st = make_station(hub)
    came, missing, family = (person(n, alone=n != 303) for n in (301, 302, 303))
    ids = [st.station.residents.add(p, VOLUNTEER) for p in (came, missing, family)]
    st.station.requests.checkin(ids[0], KIOSK)
    # The hub learns residents only from what stations push: the one who forgot to check in
    # today is known from an earlier request.
    st.station.requests.submit("pension_inquiry", {"topic": "pension_paid"}, KIOSK, resident_id=ids[1])
    for text, category in (
        ("路灯不亮了，晚上走路怕摔", "road_light"),
        ("村口路灯坏了", "road_light"),
        ("垃圾好几天没人收", "sanitation"),
    ):
        st.station.requests.submit(
            "problem_report", {"category": category, "description": text}, KIOSK, resident_id=ids[2]
        )
    assert SyncEngine(st.station).run_once().complete

    page = new_page()
    page.on("dialog", lambda d: d.accept())
    browser_login(page, hub, "guanli")

    # Daily check-in: the living-alone resident who did not check in, with the emergency contact.
    page.goto(hub.url + "/console/checkins?all=1")
    block = page.locator("section.card", has_text=st.name)
    row = block.locator("tr.missing", has_text=missing.name)
    expect(row).to_contain_text(missing.emergency_contact)
    expect(block.locator("tr", has_text=came.name)).to_contain_text("已签到")
    assert family.name not in block.inner_text()  # not living alone: not on the list
    shot(page, "checkins")
    row.locator("input[name=note]").fill("电话没人接，已上门，老人身体好。")
    row.locator("button").click()
    expect(page.locator(".flash")).to_contain_text("已记录上门探访")
    expect(
        page.locator("section.card", has_text=st.name).locator("tr", has_text=missing.name)
    ).to_contain_text("已上门")
    assert (
        came.name not in page.locator("section.card", has_text=st.name).inner_text()
    )  # default: only who is missing

    # Notices: the preview follows the typing; publishing to one station reaches it.
    page.goto(hub.url + "/console/notices")
    page.fill("#notice-title", "冬季用电安全")
    page.fill("#notice-body", "天冷了，请不要私拉电线，不要用电炉烤衣服。有问题请到驿站问。")
    expect(page.locator("#preview-title")).to_have_text("冬季用电安全")
    expect(page.locator("#preview-body")).to_contain_text("私拉电线")
    page.check("input[name=audience][value=some]")
    page.locator(".station-picks label", has_text=st.name).locator("input").check()
    shot(page, "notices")
    page.click("#notice-form button.primary")
    expect(page.locator(".flash")).to_contain_text("通知已发布")

    # Slots: capacity 1, two offline bookings → overbooked → move the later one to another slot.
    page.goto(hub.url + "/console/slots")
    tomorrow = (__import__("datetime").date.today() + __import__("datetime").timedelta(days=1)).isoformat()
    for start, end, cap in (("09:00", "11:00", "1"), ("14:00", "16:00", "5")):
        page.fill("input[name=day]", tomorrow)
        page.fill("input[name=start]", start)
        page.fill("input[name=end]", end)
        page.fill("input[name=capacity]", cap)
        page.click("form[action='/console/slots'] button.primary")
        expect(page.locator(".flash")).to_contain_text("预约时段已发布")
    assert SyncEngine(st.station).run_once().complete
    with st.station.read() as session:
        assert session.query(Notice).filter(Notice.title == "冬季用电安全").count() == 1
        morning = max((s for s in session.query(AppointmentSlot) if s.capacity == 1), key=lambda s: int(s.id))
        slot_id = morning.id
    first, second = (
        st.station.requests.submit(
            "appointment", {"appointment_service": "health_check", "slot": slot_id}, KIOSK, resident_id=i
        )
        for i in ids[:2]
    )
    assert SyncEngine(st.station).run_once().complete
    page.goto(hub.url + "/console/slots")
    over = page.locator(".alert-card .slot-block", has_text="2/1")
    expect(over).to_be_visible()
    shot(page, "slots-overbooked")
    late = over.locator("tr", has_text=second.receipt_code)
    late.locator("select[name=target]").select_option(index=1)
    late.locator("button[value=move]").click()
    expect(page.locator(".flash")).to_contain_text("已保存")
    assert SyncEngine(st.station).run_once().complete
    moved = st.station.requests.get(second.id)
    assert moved.state == "RECEIVED" and moved.reply and "改到" in moved.reply
    kept = page.locator(".alert-card .slot-block", has_text=first.receipt_code)
    expect(kept).to_have_count(0)  # the morning slot is no longer overbooked

    # Stations: an enrolment code for a new kiosk, shown once; queue health per station.
    page.goto(hub.url + "/console/stations")
    expect(page.locator("tr", has_text=st.name)).to_be_visible()
    page.fill("input[name=name]", "西岭村驿站")
    page.click("form[action='/console/stations/code'] button.primary")
    expect(page.locator(".enrol-code")).to_have_text(
        __import__("re").compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")
    )
    shot(page, "stations")
    assert "/console/stations/code" not in page.url  # post-redirect-get: a refresh makes no second code
    page.reload()
    expect(page.locator(".enrol-code")).to_have_count(0)
    from sqlalchemy import func, select

    from server.db.models import EnrolmentCode
    from server.db.models import Station as HubStation

    with hub.session() as session:
        west = session.scalars(select(HubStation).where(HubStation.name == "西岭村驿站")).one()
        assert (
            session.scalar(
                select(func.count()).select_from(EnrolmentCode).where(EnrolmentCode.station_id == west.id)
            )
            == 1
        )

    # Statistics: charts and CSV.
    page.goto(hub.url + "/console/stats")
    expect(page.locator("svg.chart").first).to_be_visible()
    assert (
        "道路路灯" in page.content() and "路灯" in page.locator("section", has_text="高频议题").inner_text()
    )
    shot(page, "stats")
    admin = login_session(hub, "guanli")
    csv = admin.get(hub.url + "/console/stats/categories.csv", timeout=30)
    assert csv.headers["content-type"].startswith("text/csv") and "road_light" in csv.text
    rates = admin.get(hub.url + "/console/stats/checkins.csv", timeout=30).text
    assert st.name in rates

    page.goto(hub.url + "/console/users")
    shot(page, "users")
    page.goto(hub.url + "/console/audit")
    expect(page.locator("table")).to_contain_text("查看平安签到")  # action words, not codes
    expect(page.locator("table")).not_to_contain_text("view_checkins")
    shot(page, "audit")

    page.click("a.lang")
    expect(page.locator("nav.main-nav")).to_contain_text("Work queue")
    page.goto(hub.url + "/console/queue")
    shot(page, "queue-en")
    page.click("a.lang")

    tablet = new_page(width=800, height=1100)
    browser_login(tablet, hub, "zhuguan")
    shot(tablet, "queue-tablet")
    tablet.goto(hub.url + "/console/requests/" + second.id)
    expect(tablet.locator("dl.facts")).to_contain_text("14:00–16:00")  # the slot it was moved to
    shot(tablet, "request-tablet")
