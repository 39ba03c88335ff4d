"""高频议题 on a seeded set of descriptions whose topics are known by hand: jieba words grouped into
topics, the trend against the previous 8 weeks, the Poisson surge test, the CLI's JSON, and the
queue filtered to one topic's requests."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from server.services import topics
from server.services.console_queue import Deadlines, QueueFilter, load_queue
from tests.console.seeding import NOW, THIS_WEEK, HubDb, hub_db, seed_topics

TODAY = NOW.astimezone(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> HubDb:
    db = hub_db(tmp_path_factory.mktemp("topics"))
    seed_topics(db)
    return db


def expected_counts(station_rows: list[tuple[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _text, topic in station_rows:
        counts[topic] = counts.get(topic, 0) + 1
    return counts


def test_segmentation_finds_real_words_not_character_pairs() -> None:
    found = topics.words_of({"description": "下水道堵了好几天了，水压太低"})
    assert found["下水道"] == "供水排水" and found["水压"] == "供水排水"
    assert not {"水水", "压太", "好几", "几天", "好几天"} & set(found)  # the old bigram nonsense
    assert topics.words_of({"category": "road_light"}) == {"#road_light": "道路路灯"}
    # A voice-note transcript nested in the fields counts as text too.
    assert "噪音扰民" in topics.words_of({"voice_note": {"transcript": "晚上广场舞太吵"}}).values()


def test_poisson_tail_matches_published_values() -> None:
    # Worked by hand from the definition: P(X ≥ 3 | λ = 1) = 1 − 2.5/e = 0.0803014;
    # P(X ≥ 5 | λ = 0.5) = 1 − e^−0.5 · (1 + 1/2 + 1/8 + 1/48 + 1/384) = 1.7212e-4;
    # P(X ≥ 1 | λ = 3) = 1 − e^−3.
    assert topics.poisson_tail(3, 1.0) == pytest.approx(0.0803014, rel=1e-5)
    assert topics.poisson_tail(5, 0.5) == pytest.approx(1.7212e-4, rel=1e-3)
    assert topics.poisson_tail(1, 3.0) == pytest.approx(0.950213, rel=1e-5)


def test_topics_counts_trend_and_surge(seeded: HubDb) -> None:
    with seeded.session() as session:
        stats = {
            t.label: t
            for t in topics.analyse(session, last_day=TODAY, stations=[seeded.stations["东山村驿站"]])
        }
    want = expected_counts(THIS_WEEK)
    assert {k: stats[k].count for k in want} == want
    water, roads, pensions, noise = stats["供水排水"], stats["道路路灯"], stats["养老保障"], stats["噪音扰民"]
    assert water.new and water.surge and water.trend == "new" and water.words[0] == "漏水"
    assert roads.baseline == 3 and roads.trend == "flat" and not roads.surge
    assert pensions.baseline == 2 and not pensions.surge
    assert noise.new and not noise.surge  # one report is not a surge, however new
    assert roads.weekly == [3] * 9


def test_cli_topics_json_best_first(seeded: HubDb) -> None:
    code, out = seeded.cli("topics", "--json", "--station", "东山村驿站")
    assert code == 0
    rows = json.loads(out)
    grouped = [r for r in rows if not r["ungrouped"]]
    assert [r["topic"] for r in grouped[:3]] == ["供水排水", "道路路灯", "养老保障"]
    assert grouped[0]["count"] == 5 and grouped[0]["trend"] == "new" and "漏水" in grouped[0]["words"]
    assert set(grouped[0]) >= {"topic", "count", "words", "trend"}
    code, out = seeded.cli("topics", "--json", "--station", "西岭村驿站")
    west = {r["topic"]: r["count"] for r in json.loads(out) if not r["ungrouped"]}
    assert west == {"环境卫生": 1, "供水排水": 1}
    since = (NOW - timedelta(days=1)).date().isoformat()
    code, out = seeded.cli("topics", "--json", "--since", since)
    assert code == 0 and all(r["count"] <= 6 for r in json.loads(out))
    assert seeded.cli("topics", "--station", "没有这个站")[0] == 1


def test_reindex_rebuilds_the_same_topics(seeded: HubDb, tmp_path: Path) -> None:
    from sqlalchemy import delete, func, select

    from server.db.console_models import RequestTopic

    with seeded.session() as session:
        before = session.scalar(select(func.count()).select_from(RequestTopic))
        session.execute(delete(RequestTopic))
    assert seeded.cli("reindex")[0] == 0
    with seeded.session() as session:
        assert session.scalar(select(func.count()).select_from(RequestTopic)) == before


def test_queue_total_for_a_topic_is_its_rows(seeded: HubDb) -> None:
    """A topic link (any status) shows the exact total, summed from the topic week rows: it must be
    the number of rows the queue then lists, page after page, for the hub and for one station."""
    deadlines = Deadlines(timedelta(days=3), timedelta(minutes=30))
    for station in (None, seeded.stations["东山村驿站"]):
        for topic in ("供水排水", "道路路灯", "噪音扰民"):
            listed, after, totals = 0, None, set()
            with seeded.session() as session:
                while True:
                    flt = QueueFilter(station=station, status="all", topic=topic, after=after)
                    page = load_queue(session, flt, deadlines, NOW)
                    listed += len(page.rows)
                    totals.add((page.total, page.capped))
                    if page.more is None:
                        break
                    after = page.more
            assert listed > 0 and totals == {(listed, False)}, (station, topic)
