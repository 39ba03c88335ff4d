"""`yizhan-hub` administration commands against a real database (both backends)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from server.services.staff import verify_password
from sync.client import HubClient
from sync.protocol import ChangeKind
from tests.hub.conftest import make_envelope, make_payload
from tests.support.hubhandle import HubHandle


def test_init_is_idempotent_and_keeps_the_key(hub: HubHandle) -> None:
    before = (hub.home / "hub-keys.json").read_bytes()
    assert hub.cli("init")[0] == 0
    assert (hub.home / "hub-keys.json").read_bytes() == before
    assert (hub.home / "hub-keys.json").stat().st_mode & 0o077 == 0


def test_staff_add_uses_scrypt(hub: HubHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import select

    from server.db.models import StaffUser

    name = f"clerk-{hub.backend}"
    monkeypatch.setenv("YIZHAN_HUB_PASSWORD", "s3cret-passw0rd")
    assert hub.cli("staff", "add", name, "--role", "supervisor")[0] == 0
    assert hub.cli("staff", "add", name, "--role", "supervisor")[0] == 1  # exists
    with hub.session() as s:
        user = s.scalars(select(StaffUser).where(StaffUser.username == name)).one()
        assert user.role == "supervisor" and user.password_hash.startswith("scrypt$")
        assert verify_password("s3cret-passw0rd", user.password_hash)
        assert not verify_password("wrong", user.password_hash)


def test_requests_list_update_and_stats(hub: HubHandle, make_station: Callable[..., HubClient]) -> None:
    st = make_station()
    name = st.credential.station_name
    envs = [make_envelope(st.credential, make_payload(receipt=f"{name}-{i}")) for i in range(3)]
    st.push(envs)
    code, out = hub.cli("requests", "list", "--json", "--station", name)
    rows = json.loads(out)
    assert code == 0 and len(rows) == 3
    assert {"id", "station", "service", "status", "receipt_code"} <= set(rows[0])
    assert {r["status"] for r in rows} == {"new"}

    assert hub.cli("requests", "update", rows[0]["id"], "--status", "in_progress")[0] == 0
    assert hub.cli("requests", "update", "no-such-id", "--status", "done")[0] == 1

    stats = json.loads(hub.cli("stats", "--json")[1])
    assert set(stats) == {"records", "duplicates", "by_station", "by_status"}
    assert stats["by_station"][name] == 3 and stats["by_status"]["in_progress"] >= 1
    assert stats["duplicates"] == 0

    # The same submission stored twice (a station bug: new id, same receipt) is what `duplicates` counts.
    st.push([make_envelope(st.credential, make_payload(receipt=f"{name}-0"))])
    assert json.loads(hub.cli("stats", "--json")[1])["duplicates"] == 1

    page = st.pull(0)
    while page.has_more:
        page = st.pull(page.next_cursor)
    statuses = [c for c in page.changes if c.kind is ChangeKind.STATUS and c.ref_id == rows[0]["id"]]
    assert [c.data["status"] for c in statuses] == ["in_progress"]


def test_notice_for_unknown_station_fails(hub: HubHandle) -> None:
    assert hub.cli("notices", "publish", "--title", "t", "--body", "b", "--station", "nowhere")[0] == 1
