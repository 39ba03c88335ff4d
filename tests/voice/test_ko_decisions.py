"""Korean safety rules of the controller, on hand-made utterances (no model): the kiosk asks rather
than acts when the heard phrase is far too short for the speech, when the wider second decode of the
same audio names another intent, or when that confirming decode ran out of time."""

from __future__ import annotations

from pathlib import Path

from voice.controller import VoiceController, _Screen, unexplained_speech
from voice.decoding import with_lattice_beam
from voice.matcher import IntentMatcher
from voice.pipeline import Collector
from voice.recognizer import Utterance
from voice.screens import screen_intents


def _grammar_pass(text: str, seconds: float, skipped: bool = False) -> Utterance:
    return Utterance(
        text,
        [text],
        in_grammar=True,
        hypotheses=[(text, 80.0)],
        audio_seconds=seconds,
        second_pass_skipped=skipped,
    )


def _wider_pass(first: Utterance, text: str) -> Utterance:
    return Utterance(
        text,
        [text],
        hypotheses=[(text, 90.0)],
        audio_seconds=first.audio_seconds,
        second_pass=True,
        first_pass=first,
        wider_grammar=True,
    )


def _home() -> tuple[VoiceController, Collector]:
    collector = Collector()
    controller = VoiceController(collector.callbacks, speak_feedback=False)
    controller._matcher = IntentMatcher(screen_intents("home", "ko"), "ko")
    controller._screen = _Screen("home", "ko")
    controller._wider = True
    return controller, collector


def test_a_phrase_far_shorter_than_the_speech_is_not_trusted() -> None:
    # 2 syllables heard in a 2.2 s segment: (2.2 − 0.75 s pre-roll and hang-over) / 2 = 0.73 s each
    assert unexplained_speech(_grammar_pass("민원", 2.2))
    # the same words in 1.4 s: 0.33 s per syllable, an ordinary pace
    assert not unexplained_speech(_grammar_pass("민원", 1.4))
    # 공지사항 (4 syllables) in 2.4 s: 0.41 s each, a slow but whole phrase
    assert not unexplained_speech(_grammar_pass("공지사항", 2.4))
    # 투표 하기 (4 syllables) in a 0.94 s segment: 0.05 s each — words invented over a short burst
    assert unexplained_speech(_grammar_pass("투표 하기", 0.94))
    assert not unexplained_speech(_grammar_pass("투표 하기", 1.4))
    controller, collector = _home()
    controller._on_utterance(_grammar_pass("민원", 2.2))  # no second decode reached the controller
    assert collector.outcome.intents == []
    assert [c.intent for c in collector.outcome.confirms] == ["problem_report"]


def test_acting_needs_the_wider_decode_to_agree() -> None:
    controller, collector = _home()
    first = _grammar_pass("공지사항", 1.6)
    assert controller._needs_second_pass(first)  # about to act: decode again with the wider grammar
    controller._on_utterance(_wider_pass(first, "공지 있어요"))
    assert [e.intent for e in collector.outcome.intents] == ["notices"]
    assert collector.outcome.confirms == []

    controller.new_resident()
    collector.outcome = type(collector.outcome)()
    controller._on_utterance(_wider_pass(first, "연금 얼마"))  # the second decode heard something else
    assert collector.outcome.intents == []
    assert [c.intent for c in collector.outcome.confirms] == ["notices"]


def test_a_skipped_confirming_decode_means_asking() -> None:
    controller, collector = _home()
    controller._on_utterance(_grammar_pass("공지사항", 1.6, skipped=True))
    assert collector.outcome.intents == []
    assert [c.intent for c in collector.outcome.confirms] == ["notices"]
    controller.new_resident()
    collector.outcome = type(collector.outcome)()
    controller._on_utterance(_grammar_pass("공지사항", 1.6))  # no second pass was asked for (two_pass off)
    assert [e.intent for e in collector.outcome.intents] == ["notices"]


def test_twice_not_understood_offers_to_call_staff() -> None:
    """Korean home: the second utterance in a row that comes to nothing asks whether to call staff
    (once per resident); a yes makes the help call."""
    controller, collector = _home()
    controller._wider = False
    murmur = Utterance("네", ["네"], in_grammar=True, hypotheses=[("네", 80.0)])  # a yes with no question
    controller._on_utterance(murmur)
    assert collector.outcome.not_understood == 1 and collector.outcome.confirms == []
    controller._on_utterance(murmur)
    assert collector.outcome.not_understood == 1
    assert [c.intent for c in collector.outcome.confirms] == ["help_call"]
    assert "직원" in collector.outcome.confirms[0].question
    controller._on_utterance(murmur)  # "네" now answers the question
    assert [(e.intent, e.confirmed) for e in collector.outcome.intents] == [("help_call", True)]

    controller.new_resident()
    collector.outcome = type(collector.outcome)()
    no = Utterance("아니요", ["아니요"], in_grammar=True, hypotheses=[("아니요", 80.0)])
    for utterance in (murmur, murmur, no, murmur, murmur):  # declined once: not offered again
        controller._on_utterance(utterance)
    assert [c.intent for c in collector.outcome.confirms] == ["help_call"]
    assert collector.outcome.intents == []


def test_a_wider_lattice_beam_without_copying_the_model(tmp_path: Path) -> None:
    model = tmp_path / "model"
    (model / "am").mkdir(parents=True)
    (model / "conf").mkdir()
    (model / "am" / "final.mdl").write_bytes(b"acoustic model")
    (model / "conf" / "mfcc.conf").write_text("--use-energy=false\n")
    (model / "conf" / "model.conf").write_text("--beam=10.0\n--lattice-beam=2.0\n--acoustic-scale=1.0\n")
    seen = with_lattice_beam(model, 6.0, cache=tmp_path / "cache")
    assert seen != model and (seen / "am" / "final.mdl").read_bytes() == b"acoustic model"
    assert (seen / "conf" / "model.conf").read_text().split() == [
        "--beam=10.0",
        "--lattice-beam=6.0",
        "--acoustic-scale=1.0",
    ]
    assert (seen / "conf" / "mfcc.conf").is_file()
    assert (model / "conf" / "model.conf").read_text().count("2.0") == 1  # the model is untouched
    assert with_lattice_beam(model, 6.0, cache=tmp_path / "cache") == seen  # made once
    assert with_lattice_beam(seen, 6.0) == seen  # already so
    assert with_lattice_beam(tmp_path / "nothing", 6.0) == tmp_path / "nothing"
