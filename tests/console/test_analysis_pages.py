"""The analysis half of the console in Chromium and over HTTP, on a hub whose data the tests seeded
(tests/console/seeding.py): topics with their surge list and links into the queue, the living-alone
warnings with an audited phone reveal and a visit outcome, the weekly report as a page, Excel and PDF
(opened with openpyxl), exports neutralising formulas, and HTML error pages. Screenshots go to
artifacts/console/ (topics.png, warnings.png, report-week.png)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import requests
from playwright.sync_api import expect

from server.services import period_report
from tests.console.conftest import browser_login, login_session, shot
from tests.console.seeding import NOW, THIS_WEEK, HubDb
from tests.support.hubproc import HubProcess

TZ = ZoneInfo("Asia/Shanghai")


def test_topics_and_warnings_in_the_browser(analysis_hub: tuple[HubDb, HubProcess], new_page) -> None:  # type: ignore[no-untyped-def]
    db, hub = analysis_hub
    page = new_page(width=1280, height=900)
    browser_login(page, hub, "zhuguan")
    page.goto(hub.url + "/console/topics?station=" + db.stations["东山村驿站"])
    surging = page.locator("#surging")
    expect(surging).to_contain_text("供水排水")
    expect(surging).to_contain_text("新出现")
    expect(page.locator("table.topics tbody tr").first).to_contain_text("供水排水")
    shot(page, "topics")
    surging.locator("a", has_text="供水排水").click()
    water = sum(1 for _t, topic in THIS_WEEK if topic == "供水排水")
    expect(page.locator("#total")).to_have_text(str(water))
    expect(page.locator(".chip")).to_contain_text("供水排水")

    page.goto(hub.url + "/console/warnings")
    rows = page.locator("table.warnings tbody tr")
    expect(rows.first).to_contain_text("杨凤英")
    expect(rows.first).to_contain_text("我不太好")
    expect(page.locator("tr", has_text="陈玉梅").locator(".level")).to_have_text("严重")
    expect(page.locator("table.warnings")).not_to_contain_text("赵德明")  # not living alone
    expect(page.locator("table.warnings")).not_to_contain_text("周兰英")  # 3 days < 西岭村's 5
    page.locator("tr", has_text="刘淑珍").locator("a", has_text="查看电话").click()
    expect(page.locator("tr", has_text="刘淑珍").locator(".phone")).to_have_text("13900000002")
    row = page.locator("tr", has_text="张桂兰")
    row.locator("select[name=outcome]").select_option("phoned")
    row.locator("input[name=note]").fill("电话打通了，老人在女儿家")
    row.locator("button.ok").click()
    expect(page.locator(".flash")).to_contain_text("已记录上门探访")
    expect(page.locator("tr", has_text="张桂兰")).to_contain_text("电话联系")
    shot(page, "warnings")
    admin = login_session(hub, "guanli")
    audit = admin.get(hub.url + "/console/audit", timeout=30).text
    assert 'title="view_phone">查看电话<' in audit  # the action in words, the code kept as a tooltip


def test_staff_see_their_station_and_no_phone(analysis_hub: tuple[HubDb, HubProcess]) -> None:
    db, hub = analysis_hub
    staff = login_session(hub, "xiaowang")
    page = staff.get(hub.url + "/console/warnings", timeout=30).text
    assert "吴春花" in page and "陈玉梅" not in page and "?phone=" not in page and "需主管查看" in page
    key = "res-8"
    refused = staff.get(hub.url + f"/console/warnings?phone={db.stations['西岭村驿站']}:{key}", timeout=30)
    assert refused.status_code == 403 and "没有权限" in refused.text
    assert 'class="main-nav"' in refused.text  # the 403 page keeps the menu
    assert "13900000008" not in refused.text


def test_weekly_report_page_excel_pdf(
    analysis_hub: tuple[HubDb, HubProcess], new_page, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    db, hub = analysis_hub
    start, end = period_report.period("week", TZ, NOW.astimezone(TZ).date())
    # Independent count: the seeded requests of this calendar week, by their own timestamps.
    in_week = [at for at in db.received if start <= at.astimezone(TZ).date() <= end]
    http = login_session(hub, "zhuguan")
    answer = http.get(hub.url + f"/console/reports/week.xlsx?at={start}", timeout=60)
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == f'attachment; filename="yizhan-week-{start}.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["概况", "按事项", "按驿站", "响应时间", "高频议题", "签到覆盖", "预警处理"]
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=2, values_only=True)}
    assert summary["办件总数"] == len(in_week)
    assert summary["独居老人"] == 8
    stations = [row[0] for row in book["按驿站"].iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x")' in stations  # neutralised, not a formula
    pdf = http.get(hub.url + f"/console/reports/week.pdf?at={start}", timeout=120)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"] == f'attachment; filename="yizhan-week-{start}.pdf"'
    code, _ = db.cli("report", "--week", "--at", start.isoformat(), "--out", str(tmp_path / "w.xlsx"))
    assert code == 0
    cli_book = openpyxl.load_workbook(tmp_path / "w.xlsx")
    assert cli_book["概况"]["A4"].value == "办件总数" and cli_book["概况"]["B4"].value == len(in_week)
    page = new_page(width=900, height=1200)
    browser_login(page, hub, "zhuguan")
    page.goto(hub.url + f"/console/reports/week?at={start}")
    expect(page.locator("h1")).to_contain_text("周报")
    shot(page, "report-week")


def test_exports_neutralise_formulas_and_errors_are_pages(analysis_hub: tuple[HubDb, HubProcess]) -> None:
    _db, hub = analysis_hub
    http = login_session(hub, "zhuguan")
    csv = http.get(hub.url + "/console/stats/by_station.csv", timeout=30)
    assert csv.text.startswith("\ufeff") and "\n'=HYPERLINK" in csv.text.replace('"', "")
    xlsx = http.get(hub.url + "/console/stats/by_station.xlsx", timeout=30)
    cells = [
        c.value for row in openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.iter_rows() for c in row
    ]
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)
    for lang, word in (("zh", "没有找到"), ("en", "Not found")):
        http.cookies.set("yz_lang", lang, path="/console")
        missing = http.get(hub.url + "/console/no-such-page", timeout=30)
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
        assert word in missing.text and 'class="main-nav"' in missing.text
    http.cookies.set("yz_lang", "zh", path="/console")
    wrong = http.get(hub.url + "/console/warnings/outcome", timeout=30)
    assert (
        wrong.status_code == 405
        and "POST" in wrong.headers.get("allow", "")
        and "只接受表单提交" in wrong.text
    )
    anon = requests.get(hub.url + "/console/nothing-here", timeout=30)
    assert anon.status_code == 404 and "没有找到" in anon.text
    api = requests.get(hub.url + "/v1/nothing-here", timeout=30)
    assert api.status_code == 404 and api.json()["error"]["code"] == "http_404"  # the API keeps JSON
    assert re.search(r"<html", anon.text)


def test_request_page_speaks_staff_language_and_staff_without_stations_are_told(
    analysis_hub: tuple[HubDb, HubProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, hub = analysis_hub
    from sqlalchemy import select

    from server.db.models import ServiceRequest
    from tests.console.conftest import PASSWORD

    with db.session() as session:
        rid = session.scalar(
            select(ServiceRequest.id).where(ServiceRequest.service == "problem_report").limit(1)
        )
    page = login_session(hub, "zhuguan").get(f"{hub.url}/console/requests/{rid}", timeout=30).text
    assert "问题描述" in page and "请说一说是什么问题" not in page  # staff words, not the kiosk's question
    assert "驿站提交时间" in page and "中心收到时间" in page
    monkeypatch.setenv("YIZHAN_HUB_PASSWORD", PASSWORD)
    assert db.cli("staff", "add", "kongzhan", "--role", "staff")[0] == 0
    queue = login_session(hub, "kongzhan").get(f"{hub.url}/console/queue", timeout=30).text
    assert "还没有分配负责的驿站" in queue
    assert (
        "还没有分配负责的驿站"
        not in login_session(hub, "xiaowang").get(f"{hub.url}/console/queue", timeout=30).text
    )
