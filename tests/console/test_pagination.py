"""The console's long lists in pages of 50: the work queue, check-ins, warnings and the audit trail
page through every row exactly once, in the order they document (worked out here from what was
seeded, not by the code under test); the queue's totals are the real counts, kept at write time;
and the queue's "next" link works from the keyboard, axe-clean, in Chinese and English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from server.db.console_models import ConsoleAudit
from server.services import console_audit, console_checkins, console_queue, console_warnings, feed
from server.services.console_queue import Cursor, Deadlines, QueueFilter, load_queue
from sync.protocol import HubStatus
from tests.console.conftest import NewPage, browser_login, shot
from tests.console.seeding import HubDb, hub_db
from tests.console.test_accessibility import violations
from tests.support.hubproc import HubProcess

NOW = datetime.now(UTC).replace(microsecond=0)
TZ = ZoneInfo("Asia/Shanghai")
DEADLINES = Deadlines(timedelta(hours=24), timedelta(minutes=30))
STATUSES = ["new", "received", "done", "in_progress", "rejected"]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[HubDb, list[dict[str, Any]]]:
    """130 work requests at two stations over ~3 days, in batches of 5 pushed together (one hub
    time, five station times: the tie the second sort key settles), statuses in rotation, three
    help calls; and check-ins, which are not work and never listed."""
    db = hub_db(tmp_path_factory.mktemp("pages"))
    seeded = []
    for i in range(130):
        received = NOW - timedelta(minutes=30 * (i // 5) + 1)
        at = received - timedelta(minutes=i % 5 + 1)
        kind = "help_call" if i in (3, 64, 111) else "service_request"
        service = "help_call" if kind == "help_call" else ("problem_report", "certificate")[i % 2]
        station = ("东山村驿站", "西岭村驿站")[i % 3 == 0]
        status = STATUSES[i % 5]
        rid = db.add(station, service, {}, at=at, received=received, kind=kind, status=status)
        seeded.append(
            {
                "id": rid,
                "at": at,
                "received": received,
                "kind": kind,
                "service": service,
                "station": db.stations[station],
                "status": status,
            }
        )
    for i in range(4):
        db.add(
            "东山村驿站",
            "daily_checkin",
            {},
            at=NOW - timedelta(hours=i),
            kind="daily_checkin",
            resident={"id": f"c{i}", "name": "签到", "living_alone": True},
        )
    return db, seeded


def _newest_first(rows: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in sorted(rows, key=lambda r: (r["received"], r["at"], r["id"]), reverse=True)]


def _walk(db: HubDb, flt: QueueFilter) -> tuple[list[str], list[tuple[int, int]], int]:
    """Every page as the "next" link would fetch it (the cursor through its URL token)."""
    ids, pages, after = [], [], None
    with db.session() as session:
        while True:
            page = load_queue(session, QueueFilter(**{**flt.__dict__, "after": after}), DEADLINES, NOW)
            ids += [r.id for r in page.rows]
            pages.append((page.first, len(page.rows)))
            if page.more is None:
                return ids, pages, page.total
            after = Cursor.parse(page.more.token())


def test_queue_pages_cover_every_row_once_in_order(seeded: tuple[HubDb, list[dict[str, Any]]]) -> None:
    db, rows = seeded
    ids, pages, total = _walk(db, QueueFilter(status="all"))
    assert ids == _newest_first(rows) and total == 130
    assert pages == [(1, 50), (51, 50), (101, 30)]
    east = db.stations["东山村驿站"]
    want = [r for r in rows if r["station"] == east and r["status"] in console_queue.OPEN]
    ids, pages, total = _walk(db, QueueFilter(station=east))
    assert ids == _newest_first(want) and total == len(want) and len(pages) == 2
    # Overdue: open help calls past 30 minutes, the rest past 24 hours (two index ranges merged).
    late = [
        r
        for r in rows
        if r["status"] in console_queue.OPEN
        and NOW - r["received"] > (timedelta(minutes=30) if r["kind"] == "help_call" else timedelta(hours=24))
    ]
    ids, _pages, total = _walk(db, QueueFilter(overdue=True))
    assert ids == _newest_first(late) and total == len(late) and any(r["kind"] == "help_call" for r in late)
    assert Cursor.parse("1.2.3") is None and Cursor.parse("x.1.1.id") is None  # a bad link: page 1


def test_queue_totals_are_the_counts_and_follow_status_changes(
    seeded: tuple[HubDb, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, rows = seeded

    def total(**kw: Any) -> tuple[int, bool]:
        with db.session() as session:
            page = load_queue(session, QueueFilter(**kw), DEADLINES, NOW)
        return page.total, page.capped

    def count(statuses: tuple[str, ...], service: str | None = None) -> int:
        return sum(1 for r in rows if r["status"] in statuses and service in (None, r["service"]))

    assert total() == (count(console_queue.OPEN), False)
    assert total(status="closed") == (count(console_queue.CLOSED), False)
    assert total(status="new", service="certificate") == (count(("new",), "certificate"), False)
    west = db.stations["西岭村驿站"]
    assert total(scope=[west], status="all") == (sum(1 for r in rows if r["station"] == west), False)
    opened = next(r for r in rows if r["status"] == "new" and r["kind"] == "service_request")
    with db.session() as session:
        feed.update_request_status(session, db.keys, opened["id"], HubStatus.DONE, "好了", "staff:t")
    try:
        assert total() == (count(console_queue.OPEN) - 1, False)
        assert total(status="closed") == (count(console_queue.CLOSED) + 1, False)
    finally:
        opened["status"] = "done"
    # Age and topic filters count up to the cap and say there are more.
    monkeypatch.setattr(console_queue, "COUNT_CAP", 20)
    assert total(age="7d", status="all") == (20, True)


def test_checkin_and_warning_pages(tmp_path_factory: pytest.TempPathFactory) -> None:
    db = hub_db(tmp_path_factory.mktemp("checkin-pages"))
    last: dict[str, datetime] = {}
    for n in range(112):  # living alone, two stations; every fourth checked in today
        days = 0 if n % 4 == 0 else 2 + n % 7
        at = NOW - timedelta(days=days, minutes=n)
        station = ("东山村驿站", "西岭村驿站")[n % 2]
        resident = {"id": f"p{n:03d}", "name": f"居民{n}", "living_alone": True}
        db.add(station, "daily_checkin", {}, at=at, kind="daily_checkin", resident=resident)
        last[f"p{n:03d}"] = at
    today = NOW.astimezone(TZ).date()
    came_today = {k for k, at in last.items() if at.astimezone(TZ).date() == today}
    station_of = {f"p{n:03d}": ("东山村驿站", "西岭村驿站")[n % 2] for n in range(112)}
    want = sorted((k for k in last if k not in came_today), key=lambda k: (station_of[k], last[k], k))
    keys, firsts, after = [], [], None
    with db.session() as session:
        while True:
            page = console_checkins.load(session, db.keys, None, today, after=after)
            keys += [r.key for r in page.rows]
            firsts.append(page.first)
            assert page.total == 112 and page.missing == len(want)
            if page.more is None:
                break
            after = console_checkins.After.parse(page.more.token())
    assert keys == want and firsts == [1, 51][: len(firsts)] and len(firsts) == -(-len(want) // 50)
    # Warnings: pages of the one ordered list (the export's), names decrypted for the page only.
    with db.session() as session:
        everyone, total = console_warnings.load(session, db.keys, None, TZ, NOW)
        paged = [
            w
            for start in range(0, total, console_warnings.PAGE_SIZE)
            for w in console_warnings.load(
                session, db.keys, None, TZ, NOW, offset=start, limit=console_warnings.PAGE_SIZE
            )[0]
        ]
    assert total > 50 and [(w.station_id, w.key) for w in paged] == [(w.station_id, w.key) for w in everyone]
    assert [w.name for w in paged[:2]] and all(w.name.startswith("居民") for w in paged)


def test_audit_pages(seeded: tuple[HubDb, list[dict[str, Any]]]) -> None:
    db, _rows = seeded
    with db.session() as session:
        session.add_all(
            ConsoleAudit(at=NOW, user_id=None, username="t", action="view_request", target=f"request:{i}")
            for i in range(120)
        )
    seen, before = [], None
    with db.session() as session:
        while True:
            entries = console_audit.recent(session, limit=51, username="t", before=before)
            seen += [e.target for e in entries[:50]]
            if len(entries) <= 50:
                break
            before = entries[49].id
    assert seen == [f"request:{i}" for i in range(119, -1, -1)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_queue_next_link_by_keyboard_and_axe(
    lang: str, analysis_hub: tuple[HubDb, HubProcess], new_page: NewPage
) -> None:
    db, hub = analysis_hub
    with db.session() as session:
        open_total = load_queue(session, QueueFilter(), DEADLINES).total
    assert open_total > 50  # the seeded topics: more than one page of open requests
    page = new_page(width=1280, height=900, locale="en-GB" if lang == "en" else "zh-CN")
    page.context.add_cookies([{"name": "yz_lang", "value": lang, "url": hub.url + "/console/"}])
    browser_login(page, hub, "guanli")
    page.goto(hub.url + "/console/queue")
    assert page.locator("table.queue tbody tr").count() == 50
    nxt = page.locator("nav.pager a[rel=next]")
    expect(nxt).to_have_text("下一页 ›" if lang == "zh" else "Next ›")
    nxt.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**after=**")
    expect(page.locator(".count")).to_contain_text(f"51–{open_total}")
    assert page.locator("table.queue tbody tr").count() == open_total - 50
    assert not violations(page)
    shot(page, f"queue-page2-{lang}")
    page.locator("nav.pager a", has_text="«").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".count")).to_contain_text("1–50")
