"""Endpointer, model location, Qt-freedom, CLI JSON and the facade's 'voice off because…' status."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from array import array
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.cli import main
from voice.controller import VoiceCallbacks, VoiceController, VoiceStatus
from voice.endpointer import Endpointer
from voice.models import korean_package_model, locate_model


def tone(seconds: float, amplitude: int, rate: int = 16000) -> bytes:
    return array(
        "h", (int(amplitude * math.sin(2 * math.pi * 220 * i / rate)) for i in range(int(seconds * rate)))
    ).tobytes()


def events(endpointer: Endpointer, pcm: bytes) -> list[str]:
    kinds: list[str] = []
    for i in range(0, len(pcm), 3200):
        kinds += [k for k, _ in endpointer.process(pcm[i : i + 3200]) if k != "audio"]
    return kinds + [k for k, _ in endpointer.flush()]


def test_endpointer_finds_one_utterance() -> None:
    pcm = tone(0.5, 30) + tone(0.8, 8000) + tone(1.0, 30)
    assert events(Endpointer(16000), pcm) == ["start", "end"]


def test_endpointer_ignores_silence_and_clicks() -> None:
    assert events(Endpointer(16000), tone(2.0, 0)) == []
    assert events(Endpointer(16000), tone(0.5, 30) + tone(0.08, 8000) + tone(1.0, 30)) in (
        [],
        ["start", "cancel"],
    )


def test_endpointer_push_to_talk() -> None:
    endpointer = Endpointer(16000)
    assert [k for k, _ in endpointer.push_to_talk(True)] == ["start"]
    endpointer.process(tone(0.5, 10))
    assert [k for k, _ in endpointer.push_to_talk(False)] == ["end"]


def test_korean_model_found_from_package(tmp_path: Path) -> None:
    assert korean_package_model() is not None
    assert locate_model("ko", tmp_path) == korean_package_model()


def test_missing_model_makes_a_clear_status(tmp_path: Path) -> None:
    seen: list[VoiceStatus] = []
    controller = VoiceController(VoiceCallbacks(status=seen.append), models_dir=tmp_path)
    controller.set_screen("home", "zh_CN")
    assert not controller.wait_ready(5)
    assert seen[-1].state == "no_model" and "语音功能已关闭" in seen[-1].message
    controller.feed(b"\0" * 3200)  # ignored, no crash
    controller.set_screen("home", "en")
    assert "Voice is off" in controller.status.message
    controller.close()


def test_voice_package_never_imports_qt() -> None:
    code = (
        "import sys, voice, voice.controller, voice.pipeline, voice.installer, voice.tts; "
        "print('PySide6' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_cli_intent_prints_one_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["intent", "--locale", "zh_CN", "我", "想", "查", "养老", "金"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["intent"] == "pension_inquiry" and result["confirm"] is False
    assert set(result) == {"intent", "confidence", "confirm", "alternatives"}
    assert main(["intent", "--locale", "zh_CN", "--screen", "nope/step", "返回"]) == 1


def test_cli_recognize_korean_wav(
    speak_ko: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    wav = speak_ko("사회보험")
    assert main(["voice", "recognize", "--locale", "ko", str(wav)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["intent"] == "pension_inquiry" and 0 < result["rtf"] < 1
    assert {"text", "alternatives", "confidence"} <= set(result)


def test_cli_recognize_without_model_fails_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wav = tmp_path / "x.wav"
    subprocess.run(
        ["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(wav), "synth", "0.5", "sine", "300"],
        check=True,
    )
    assert main(["voice", "recognize", "--locale", "zh_CN", "--models-dir", str(tmp_path), str(wav)]) == 1
    assert "install" in capsys.readouterr().err


def test_cli_say_renders_wav(tmp_path: Path) -> None:
    out = tmp_path / "hello.wav"
    assert main(["voice", "say", "--locale", "en", "hello there", "--out", str(out)]) == 0
    assert out.stat().st_size > 10_000


def test_recognizer_evidence_gates_acting() -> None:
    """Off-grammar output, an [unk]-only best hypothesis or a close rival alternative → ask first."""
    from voice.controller import recognizer_doubts
    from voice.matcher import IntentMatcher
    from voice.recognizer import Utterance, grammar_phrases, parse_hypotheses

    assert grammar_phrases('["연금 얼마", "보조금", "<UNK>"]') == frozenset({"연금 얼마", "보조금"})
    assert parse_hypotheses('{"alternatives": [{"text": "<UNK>", "confidence": 9.0}]}') == [("", 9.0)]
    matcher = IntentMatcher({"pension": ["연금 얼마"], "subsidy": ["보조금"]}, "ko")

    def utt(text: str, in_grammar: bool, hyps: list[tuple[str, float]]) -> Utterance:
        return Utterance(text=text, alternatives=[text], in_grammar=in_grammar, hypotheses=hyps)

    assert not recognizer_doubts(
        utt("보조금", True, [("보조금", 70.0), ("보조금", 60.0)]), matcher, "subsidy"
    )
    assert recognizer_doubts(utt("보조금 얼마", False, [("보조금 얼마", 70.0)]), matcher, "subsidy")
    assert recognizer_doubts(utt("보조금", True, [("보조금", 70.0), ("연금 얼마", 68.0)]), matcher, "subsidy")
    assert recognizer_doubts(utt("보조금", True, [("", 71.0), ("보조금", 70.0)]), matcher, "subsidy")
    assert not recognizer_doubts(
        utt("보조금", True, [("보조금", 70.0), ("연금 얼마", 60.0)]), matcher, "subsidy"
    )


def test_wider_grammar_second_pass_only_ever_asks() -> None:
    """Korean home: the second pass decodes with the catalogue phrases plus the concept words and
    common endings (voice/concepts.py grammar_words); what it hears is asked about, never acted on,
    and its best words come before the grammar's own guess. Mandarin has no such list."""
    from voice.concepts import grammar_words
    from voice.controller import VoiceController, _Screen
    from voice.matcher import IntentMatcher
    from voice.pipeline import Collector
    from voice.recognizer import Utterance
    from voice.screens import screen_intents

    home = screen_intents("home", "ko")
    extra = grammar_words("ko", home)
    assert {"공지", "있어요", "넘어져"} & set(extra) == {"공지", "있어요"}  # a stem is never offered
    assert grammar_words("ko", ["back"]) and not set(grammar_words("ko", ["back"])) & {"공지", "연금"}
    assert grammar_words("zh_CN", screen_intents("home", "zh_CN")) == ()

    collector = Collector()
    controller = VoiceController(collector.callbacks, two_pass=False, speak_feedback=False)
    controller._matcher = IntentMatcher(home, "ko")
    controller._screen = _Screen("home", "ko")
    first = Utterance("무사 해요", ["무사 해요"], in_grammar=True, hypotheses=[("무사 해요", 80.0)])
    wider = Utterance(
        "공지 있어요",
        ["공지 있어요"],
        hypotheses=[("공지 있어요", 90.0)],
        second_pass=True,
        first_pass=first,
        wider_grammar=True,
    )
    controller._on_utterance(wider)
    assert collector.outcome.intents == []  # the same words from a free decoding would act
    assert [c.intent for c in collector.outcome.confirms] == ["notices"]
    free = Utterance("공지 있어요", ["공지 있어요"], second_pass=True, first_pass=first)
    controller.new_resident()
    controller._on_utterance(free)
    assert [e.intent for e in collector.outcome.intents] == ["notices"]
