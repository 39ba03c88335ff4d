"""axe-core (vendored, tests/console/vendor/) finds no violations on any console page, in Chinese
and in English. The pages are walked from the console's GET routes, so a new page is checked
without editing this file (a route that needs an id gets one from the seeded hub)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from server.console.routes import ROUTERS
from tests.console.conftest import browser_login
from tests.console.seeding import HubDb
from tests.support.hubproc import HubProcess

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
# GET routes that are not pages (files, fragments, redirects) and what to open instead.
NOT_PAGES = re.compile(r"\.(csv|xlsx|pdf|\{fmt\})$|/photos/|/notes/|/live$|^/console/?$|/lang$|/logout$")


def page_paths(db: HubDb) -> list[str]:
    with db.session() as session:
        from sqlalchemy import select

        from server.db.models import ServiceRequest

        request_id = session.scalar(
            select(ServiceRequest.id).where(ServiceRequest.kind == "service_request").limit(1)
        )
        from server.db.models import StaffUser

        user_id = session.scalar(select(StaffUser.id).where(StaffUser.username == "xiaowang"))
    values = {
        "request_id": str(request_id),
        "kind": "week",
        "table": "by_service",
        "consultation_id": _consultation(db),
        "user_id": str(user_id),
    }
    paths = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and "GET" in route.methods and not NOT_PAGES.search(route.path):
                paths.append(re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], route.path))
    assert len(paths) >= 14, paths
    return [*sorted(set(paths)), "/console/checkins?all=1", "/console/no-such-page"]


def _consultation(db: HubDb) -> str:
    """A consultation to open (its results page is one of the pages checked)."""
    from datetime import UTC, datetime, timedelta

    from server.services import consult

    with db.session() as session:
        existing = consult.list_all(session)
        if existing:
            return str(existing[0].id)
        draft = consult.Draft(
            title="村口广场改造方案",
            body="请选择您支持的方案。",
            options=("建凉亭", "建健身区"),
            allow_suggestions=True,
            stations=(),
            closes_at=datetime.now(UTC) + timedelta(days=7),
        )
        return str(consult.create(session, db.keys, draft, "guanli").id)


def violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.evaluate(AXE)  # through the DevTools protocol: the console's CSP (no inline script) stays on
    found = page.evaluate("""async () => {
        const r = await axe.run(document);
        return r.violations.map(v =>
            `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
    }""")
    return list(found)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_axe_finds_nothing_on_any_page(lang: str, analysis_hub: tuple[HubDb, HubProcess], new_page) -> None:  # type: ignore[no-untyped-def]
    db, hub = analysis_hub
    page = new_page(width=1280, height=900, locale="en-GB" if lang == "en" else "zh-CN")
    page.context.add_cookies([{"name": "yz_lang", "value": lang, "url": hub.url + "/console/"}])
    page.goto(hub.url + "/console/login")
    problems = {"/console/login": violations(page)}
    browser_login(page, hub, "guanli")
    for path in page_paths(db):
        page.goto(hub.url + path)
        problems[path] = violations(page)
    found = {path: v for path, v in problems.items() if v}
    assert not found, "\n".join(f"{p}: {v}" for p, vs in found.items() for v in vs)
