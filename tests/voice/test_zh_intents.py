"""Chinese intent matching on Vosk-shaped text (the Mandarin model is not obtainable in the test
environment, so Chinese is tested on text; Korean covers the audio path)."""

from __future__ import annotations

from tests.voice.zh_utterances import HOME_CASES
from voice.matcher import IntentMatcher
from voice.screens import screen_intents


def test_table_is_big_enough() -> None:
    assert len(HOME_CASES) >= 150
    assert sum(1 for _, expected in HOME_CASES if expected is None) >= 15


def test_chinese_utterances_reach_the_right_intent() -> None:
    matcher = IntentMatcher(screen_intents("home", "zh_CN"), "zh_CN")
    right, wrong_actions, misses = 0, [], []
    for text, expected in HOME_CASES:
        result = matcher.match_text(text)
        ok = result.intent is None if expected is None else (result.intent == expected and not result.confirm)
        right += ok
        if not ok:
            misses.append(f"{text!r}: expected {expected}, got {result.intent} confirm={result.confirm}")
        if result.acts and result.intent != expected:
            wrong_actions.append(f"{text!r} → {result.intent}")
    assert not wrong_actions, "\n".join(wrong_actions)
    assert right / len(HOME_CASES) >= 0.95, "\n".join(misses)


def test_every_vosk_alternative_is_scored() -> None:
    matcher = IntentMatcher(screen_intents("home", "zh_CN"), "zh_CN")
    result = matcher.match(["今天 天气", "查 养老 金"])
    assert result.intent == "pension_inquiry"
    assert result.confirm  # the best alternative said something else: ask first


def test_small_margin_asks_instead_of_acting() -> None:
    matcher = IntentMatcher({"a": ["高龄补贴"], "b": ["高龄津贴"]}, "zh_CN")
    result = matcher.match_text("高 龄 贴")
    assert result.intent in ("a", "b") and result.confirm


def test_option_screen_and_extra_commands() -> None:
    table = screen_intents("pension_inquiry/topic", "zh_CN", extra_commands={"skip": ["跳过"]})
    matcher = IntentMatcher(table, "zh_CN")
    assert matcher.match_text("医保 余额").intent == "medical_balance"
    assert matcher.match_text("跳过").intent == "skip"
    assert matcher.match_text("返回").intent == "back"


def test_korean_and_english_text_similarity() -> None:
    ko = IntentMatcher(screen_intents("home", "ko"), "ko")
    assert ko.match_text("연금 얼마예요").intent == "pension_inquiry"
    assert ko.match_text("보조 금").intent == "subsidy_application"
    assert ko.match_text("오늘 날씨 어때요").intent is None
    en = IntentMatcher(screen_intents("home", "en"), "en")
    assert en.match_text("um I want to check my pension").acts
    assert en.match_text("what is the weather like").intent is None
