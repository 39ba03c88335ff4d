"""Short texts are segmented once per worker (services/topics.py): the same words as jieba gives
each time, and long free texts are never kept."""

from __future__ import annotations

from server.services import topics


def test_short_texts_are_segmented_once_and_alike() -> None:
    topics._segment_short.cache_clear()
    short = "高龄补贴申请"
    first = topics.segment(short)
    assert first == topics._segment(short) and first  # what jieba says, uncached
    hits = topics._segment_short.cache_info().hits
    again = topics.segment(short)
    assert again == first and topics._segment_short.cache_info().hits == hits + 1
    again.append("x")  # a caller's list is its own: the cached words stay as they were
    assert topics.segment(short) == first
    long = "路灯不亮了，晚上走路怕摔，楼道里也黑，希望社区尽快派人来修一下，谢谢"
    assert len(long) > topics._CACHED_TEXT
    size = topics._segment_short.cache_info().currsize
    assert topics.segment(long) == topics._segment(long)
    assert topics._segment_short.cache_info().currsize == size
    assert topics.words_of({"reason": short}) == topics.words_of({"reason": short})
