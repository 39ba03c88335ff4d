"""高频议题: what residents raise most, as topics, with a trend and the issues that are new or surging.

Segmentation is jieba (its dictionary ships in the package, so it works offline) plus the data in
topic_data/: `userdict.txt` (grassroots-service terms jieba would split, e.g. 路灯, 下水道, 高龄津贴),
`stopwords.txt` and `topics.toml` (near-synonyms grouped under one topic; problem categories mapped
to a topic). `words_of` runs once per request, after it is pushed: services/topic_queue.py (a
background worker, or the first reader of topic figures) writes `request_topics` for the queue's
topic filter and adds the request to per-day topic and word counts, so the console only ever sums
a few rollup rows.

A word that belongs to no topic is kept as its own "ungrouped" topic (label prefixed with `~`):
the page lists those apart, so staff can see what the dictionary is missing.

Windows are whole office days (YIZHAN_CONSOLE_TZ): by default "this week" is today and the six
days before it. 新出现/突增 (new or surging) uses a one-sided Poisson test: the count in the current
window `x` against the mean `λ` of the 8 windows of the same length before it (λ floored at 0.5 so
a topic never seen before can be judged). A topic is flagged when x ≥ 3 and P(X ≥ x | Poisson(λ)) < 0.01;
it is "new" when it did not occur at all in the baseline.
"""

from __future__ import annotations

import math
import threading
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.console_models import RequestTopic
from server.services import request_rollups

DATA = Path(__file__).parent / "topic_data"
UNGROUPED = "~"
CATEGORY_PREFIX = request_rollups.CATEGORY_PREFIX  # a category as a word: "#road_light" (never shown)
BASELINE_WINDOWS = 8
SURGE_P = 0.01
SURGE_MIN = 3
MAX_WORD = 32
_lock = threading.Lock()


@dataclass(frozen=True)
class Dictionary:
    word_topic: dict[str, str]
    category_topic: dict[str, str]
    stop: frozenset[str]


@cache
def dictionary() -> Dictionary:
    groups = tomllib.loads((DATA / "topics.toml").read_text(encoding="utf-8"))
    word_topic: dict[str, str] = {}
    category_topic: dict[str, str] = {}
    for topic, spec in groups.items():
        for word in spec.get("words", []):
            word_topic[word] = topic
        for category in spec.get("categories", []):
            category_topic[category] = topic
    lines = (DATA / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    stop = frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))
    return Dictionary(word_topic, category_topic, stop)


@cache
def _tokenizer() -> Any:
    import jieba

    jieba.setLogLevel(60)  # jieba logs "Building prefix dict…" at INFO on every start
    tok = jieba.Tokenizer()
    tok.initialize()
    tok.load_userdict(str(DATA / "userdict.txt"))
    return tok


def warm_up() -> None:
    """Load jieba's dictionary (≈1–3 s) so the first push after start does not pay for it."""
    with _lock:
        _tokenizer()


def segment(text: str) -> list[str]:
    if len(text) <= _CACHED_TEXT:
        return list(_segment_short(text))
    return _segment(text)


def _segment(text: str) -> list[str]:
    with _lock:  # jieba builds its tables lazily and is not safe to initialise from two threads
        tok = _tokenizer()
    return [w for w in tok.lcut(text) if w.strip()]


_CACHED_TEXT = 32  # characters: short texts (a reason, a chosen phrase) recur from push to push


@lru_cache(maxsize=4096)
def _segment_short(text: str) -> tuple[str, ...]:
    """`_segment` of a short text, remembered per worker (jieba is the costliest step of indexing a
    pushed request, and the same few words come back in many requests; at most 4096 × 32 chars)."""
    return tuple(_segment(text))


def _is_cjk_word(word: str) -> bool:
    return len(word) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in word)


def _texts(fields: dict[str, Any]) -> Iterable[str]:
    """Every free text a request carries: description, voice-note transcript, notes — any string
    field (choice ids are ASCII and produce no CJK words)."""
    for value in fields.values():
        if isinstance(value, str):
            yield value[:2000]
        elif isinstance(value, dict):
            yield from _texts(value)


def words_of(fields: dict[str, Any]) -> dict[str, str]:
    """word → topic for one request's fields (category included as `#category`)."""
    d = dictionary()
    found: dict[str, str] = {}
    for text in _texts(fields):
        for word in segment(text):
            if word in d.word_topic:
                found[word[:MAX_WORD]] = d.word_topic[word][:MAX_WORD]
            elif _is_cjk_word(word) and word not in d.stop:
                found[word[:MAX_WORD]] = UNGROUPED + word[: MAX_WORD - 1]
    category = fields.get("category")
    if isinstance(category, str) and category in d.category_topic:
        found[(CATEGORY_PREFIX + category)[:MAX_WORD]] = d.category_topic[category][:MAX_WORD]
    return found


def poisson_tail(x: int, lam: float) -> float:
    """P(X ≥ x) for X ~ Poisson(lam)."""
    if x <= 0:
        return 1.0
    term, below = math.exp(-lam), 0.0
    for k in range(x):
        below += term
        term *= lam / (k + 1)
    return max(0.0, 1.0 - below)


@dataclass
class TopicStat:
    topic: str
    count: int
    words: list[str]
    baseline: float  # mean count per window over the previous BASELINE_WINDOWS windows
    p_value: float
    surge: bool
    new: bool
    weekly: list[int] = field(default_factory=list)  # oldest first, the current window last

    @property
    def ungrouped(self) -> bool:
        return self.topic.startswith(UNGROUPED)

    @property
    def label(self) -> str:
        return self.topic.removeprefix(UNGROUPED)

    @property
    def trend(self) -> str:
        if self.new:
            return "new"
        if self.count > self.baseline * 1.25 and self.count - self.baseline >= 1:
            return "up"
        if self.count < self.baseline * 0.75:
            return "down"
        return "flat"

    def as_json(self) -> dict[str, Any]:
        return {
            "topic": self.label,
            "count": self.count,
            "words": self.words,
            "trend": self.trend,
            "baseline": round(self.baseline, 2),
            "p_value": round(self.p_value, 4),
            "surge": self.surge,
            "ungrouped": self.ungrouped,
            "weekly": self.weekly,
        }


def office_today() -> date:
    from server.services.resident_index import office_tz

    return datetime.now(UTC).astimezone(office_tz()).date()


def analyse(
    session: Session,
    *,
    last_day: date | None = None,
    first_day: date | None = None,
    stations: Sequence[str] | None = None,
) -> list[TopicStat]:
    """Topics of the office days [first_day, last_day] (default: the last 7 days, today included),
    best first, with each topic's counts in the BASELINE_WINDOWS windows of as many days before it."""
    last_day = last_day or office_today()
    first_day = first_day or last_day - timedelta(days=6)
    span = (last_day - first_day).days + 1
    if span <= 0:
        return []
    starts = [first_day - timedelta(days=span * (BASELINE_WINDOWS - i)) for i in range(BASELINE_WINDOWS + 1)]
    conn = session.connection()
    _drain(conn)
    # Summed from the per-day rollups: distinct requests per (topic, window), and word counts of
    # the current window; the page never walks requests or their words.
    weekly: dict[str, list[int]] = defaultdict(lambda: [0] * (BASELINE_WINDOWS + 1))
    for topic, index, n in request_rollups.topic_windows(conn, starts[0], last_day, starts, stations):
        weekly[topic][index] = n
    word_counts: dict[str, dict[str, int]] = defaultdict(dict)
    for topic, word, n in request_rollups.topic_words(conn, first_day, last_day, stations):
        word_counts[topic][word] = n
    out = []
    for topic, counts in weekly.items():
        x = counts[-1]
        if x == 0:
            continue
        baseline = sum(counts[:-1]) / BASELINE_WINDOWS
        p = poisson_tail(x, max(baseline, 0.5))
        words = sorted(word_counts[topic], key=lambda w: (-word_counts[topic][w], w))[:8]
        out.append(
            TopicStat(
                topic,
                x,
                words,
                baseline,
                p,
                surge=x >= SURGE_MIN and p < SURGE_P,
                new=baseline == 0,
                weekly=counts,
            )
        )
    out.sort(key=lambda s: (s.ungrouped, -s.count, s.topic))
    return out


def request_ids(topic: str) -> Any:
    """A subquery of the request ids carrying `topic` (the queue filters on it)."""
    return select(RequestTopic.request_id).where(RequestTopic.topic == topic).scalar_subquery()


def topic_rows(
    request_id: str, station_id: str, received_at: datetime, words: dict[str, str]
) -> list[dict[str, Any]]:
    """The request_topics rows for one request's `words_of` (used by the push-time indexer)."""
    return [
        {
            "request_id": request_id,
            "word": word,
            "topic": topic[:MAX_WORD],
            "station_id": station_id,
            "received_at": received_at,
        }
        for word, topic in words.items()
    ]


def count_by_topic(
    session: Session, first_day: date, last_day: date, stations: Sequence[str] | None = None
) -> dict[str, int]:
    """Distinct requests per grouped topic in office days [first_day, last_day] (statistics, reports)."""
    _drain(session.connection())
    return request_rollups.topic_totals(
        session.connection(), first_day, last_day, stations, ungrouped=UNGROUPED
    )


def _drain(conn: Any) -> None:
    """Pushed requests still queued for their words (services/topic_queue.py) count before any
    topic figure is read."""
    from server.services import topic_queue  # here: topic_queue segments with this module

    topic_queue.drain(conn)
