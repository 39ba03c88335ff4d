"""居民议事 end to end without a window: a real hub over HTTP (SQLite and PostgreSQL), two real
enrolled stations, votes sealed offline and synced later, one vote per resident across stations,
results and turnout, the published result as a notice — and no table that links a resident to a
choice, at the hub or at the station."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import inspect, select

from models import consultations
from models.residents import ResidentInput
from models.schema import Notice, OutboxItem
from models.station import Actor
from models.validation import id_check_char
from server.db.consult_models import ConsultBallot
from sync.consult_votes import VoteRefused, cast_vote
from sync.engine import SyncEngine
from tests.sync.conftest import EnrolledStation, Hub

VOLUNTEER = Actor("volunteer", "v1")
SUGGESTION = "广场上装几盏太阳能路灯吧，晚上跳舞看得见"


def _id(n: int) -> str:
    body = f"3201021950{(n % 12) + 1:02d}{(n % 27) + 1:02d}{n % 1000:03d}"
    return body + id_check_char(body)


def _register(st: EnrolledStation, *numbers: int) -> None:
    for n in numbers:
        st.station.residents.add(ResidentInput(name=f"议事居民{n}", id_number=_id(n)), VOLUNTEER)


def _sync(st: EnrolledStation) -> None:
    report = SyncEngine(st.station).run_once()
    assert report.complete, report


def _create(hub: Hub, *stations: str, extra: tuple[str, ...] = ()) -> str:
    args = [
        "consult",
        "create",
        "--title",
        "广场上添置什么",
        "--text",
        "村里打算给广场添置一样东西，您选哪个？",
        "--option",
        "路灯",
        "--option",
        "长椅",
        "--suggestions",
        *extra,
    ]
    for name in stations:
        args += ["--station", name]
    return hub.run(*args)


def test_two_stations_offline_votes_duplicate_results_and_published_notice(
    hub: Hub, enrolled: Callable[..., EnrolledStation]
) -> None:
    a, b = enrolled("Q"), enrolled("R")
    _register(a, 1, 2, 4)  # residents 1 and 2 vote at A; 4 never votes (turnout)
    _register(b, 1, 3)  # resident 1 also turns up at B
    cid = _create(hub, a.name, b.name)
    _sync(a)
    _sync(b)
    for st in (a, b):
        [open_one] = consultations.open_consultations(st.station)
        assert open_one.id == cid and open_one.options == ("路灯", "长椅") and open_one.allow_suggestions

    # Both stations are offline from here: votes wait sealed in their outboxes.
    cast_vote(a.station, cid, _id(1), 0, SUGGESTION)
    cast_vote(a.station, cid, _id(2), 1, None)
    with pytest.raises(VoteRefused) as again:
        cast_vote(a.station, cid, _id(1), 1, None)
    assert again.value.reason == "voted"
    assert consultations.participation(a.station, cid, _id(1)) == "voted"
    cast_vote(b.station, cid, _id(1), 1, None)  # B cannot know resident 1 voted at A
    cast_vote(b.station, cid, _id(3), 0, None)

    _sync(a)  # A's votes reach the hub first: resident 1's vote at A is the one that counts
    _sync(b)
    assert consultations.participation(b.station, cid, _id(1)) == "duplicate"
    assert consultations.participation(b.station, cid, _id(3)) == "voted"

    code, out = hub.cli("consult", "results", cid, "--json")
    assert code == 0
    doc = json.loads(out)
    # Worked by hand: 路灯 ← resident 1 (A) and 3 (B); 长椅 ← resident 2 (A); B's copy of 1 refused.
    assert [o["votes"] for o in doc["options"]] == [2, 1] and doc["votes"] == 3
    per_station = {s["station"]: s for s in doc["stations"]}
    assert per_station[a.name]["counts"] == [1, 1] and per_station[a.name]["residents"] == 3
    assert per_station[a.name]["turnout"] == pytest.approx(2 / 3, abs=1e-4)
    assert per_station[b.name]["counts"] == [1, 0] and per_station[b.name]["turnout"] == pytest.approx(0.5)
    assert doc["suggestions"] == [SUGGESTION]

    published = hub.run("consult", "publish", cid)
    assert "路灯 2 票" in published and "长椅 1 票" in published
    for st in (a, b):
        _sync(st)
        assert consultations.open_consultations(st.station) == []
        consultation = consultations.get(st.station, cid)
        assert consultation is not None and consultation.state == "published"
        with st.station.read() as session:
            titles = [n.title for n in session.execute(select(Notice)).scalars()]
        assert "议事结果：广场上添置什么" in titles
    with pytest.raises(VoteRefused) as closed:
        cast_vote(a.station, cid, _id(4), 0, None)
    assert closed.value.reason == "closed"


def test_votes_that_cannot_count_are_quarantined_not_retried(
    hub: Hub, enrolled: Callable[..., EnrolledStation]
) -> None:
    a = enrolled("S")
    _register(a, 11)
    cid = _create(hub, a.name)
    _sync(a)
    cast_vote(a.station, cid, _id(11), 0, None)
    hub.run("consult", "publish", cid)  # published before the station came back online
    report = SyncEngine(a.station).run_once()
    assert report.quarantined == 1 and report.waiting == 0
    with a.station.read() as session:
        [item] = session.execute(select(OutboxItem).where(OutboxItem.kind == "consult_vote")).scalars()
    assert item.state == "QUARANTINED" and "already published" in (item.last_error or "")


def test_no_table_links_a_resident_or_token_to_a_choice(
    hub: Hub, enrolled: Callable[..., EnrolledStation]
) -> None:
    a = enrolled("T")
    _register(a, 21, 22)
    cid = _create(hub, a.name)
    _sync(a)
    cast_vote(a.station, cid, _id(21), 1, SUGGESTION)
    cast_vote(a.station, cid, _id(22), 0, None)
    _sync(a)

    with hub.session() as session:
        columns = {
            t: {c["name"] for c in inspect(session.connection()).get_columns(t)}
            for t in ("consult_voters", "consult_ballots", "consult_rolls")
        }
        ballots = session.execute(select(ConsultBallot)).scalars().all()
    # Voters: only the token. Ballots: only the choice and the station — no token, no time, no envelope.
    assert columns["consult_voters"] == {"consultation_id", "voter_token"}
    assert columns["consult_ballots"] == {"id", "consultation_id", "station_id", "option", "suggestion_enc"}
    assert columns["consult_rolls"] == {"consultation_id", "station_id", "residents"}
    ballot_ids = {b.id for b in ballots if b.consultation_id == cid}
    with a.station.read() as session:
        envelope_ids = {i.id for i in session.execute(select(OutboxItem)).scalars()}
    assert ballot_ids and not ballot_ids & envelope_ids
    assert all(SUGGESTION.encode() not in (b.suggestion_enc or b"") for b in ballots)

    # The station keeps that 21 and 22 took part, never what they chose; its files hold no choice.
    db = sqlite3.connect(a.data_dir / "station.db")
    part_cols = {row[1] for row in db.execute("PRAGMA table_info(consult_participation)")}
    db.close()
    assert part_cols == {"consultation_id", "voter_token", "envelope_id", "duplicate"}
    for path in a.data_dir.iterdir():
        if path.is_file():
            data = path.read_bytes()
            assert SUGGESTION.encode() not in data and _id(21).encode() not in data
