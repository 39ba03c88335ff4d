"""Run a WAV through exactly the microphone path (VoiceController → endpointer → recognizer →
IntentMatcher) and collect what happened: used by `yizhan voice recognize`, the tests and the bench.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voice.audio import WavFileSource
from voice.controller import ConfirmRequest, IntentEvent, VoiceCallbacks, VoiceController
from voice.recognizer import Utterance


@dataclass
class Outcome:
    utterances: list[Utterance] = field(default_factory=list)
    intents: list[IntentEvent] = field(default_factory=list)
    confirms: list[ConfirmRequest] = field(default_factory=list)
    not_understood: int = 0
    hints: int = 0  # greetings answered with what can be said
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # end of speech → intent/question, seconds
    second_pass: bool = False  # an utterance was decoded again without a grammar
    second_pass_seconds: float = 0.0

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.utterances)

    def as_dict(self) -> dict[str, Any]:
        decided = (
            self.intents[0].result if self.intents else (self.confirms[0].result if self.confirms else None)
        )
        decode = sum(u.decode_seconds for u in self.utterances)
        return {
            "text": self.text,
            "alternatives": [a for u in self.utterances for a in u.alternatives],
            "intent": decided.intent if decided else None,
            "confidence": decided.confidence if decided else 0.0,
            "confirm": bool(self.confirms) and not self.intents,
            "question": self.confirms[0].question if self.confirms and not self.intents else None,
            "rtf": round(decode / self.audio_seconds, 4) if self.audio_seconds else 0.0,
            "audio_seconds": round(self.audio_seconds, 3),
        }


class Collector:
    """VoiceCallbacks that record into an `Outcome` (reset per file)."""

    def __init__(self) -> None:
        self.outcome = Outcome()
        self._last_endpoint = 0.0
        self.callbacks = VoiceCallbacks(
            text=self._text,
            intent=self._intent,
            confirm=self._confirm,
            not_understood=self._nothing,
            hint=self._hint,
        )

    def _mark(self) -> None:
        if self._last_endpoint:
            self.outcome.latencies.append(time.perf_counter() - self._last_endpoint)

    def _text(self, utterance: Utterance) -> None:
        self.outcome.utterances.append(utterance)
        self._last_endpoint = utterance.endpoint_at
        if utterance.second_pass:
            self.outcome.second_pass = True
            self.outcome.second_pass_seconds += utterance.second_pass_seconds

    def _hint(self, text: str) -> None:
        del text
        self.outcome.hints += 1

    def _intent(self, event: IntentEvent) -> None:
        self._mark()
        self.outcome.intents.append(event)

    def _confirm(self, request: ConfirmRequest) -> None:
        self._mark()
        self.outcome.confirms.append(request)

    def _nothing(self, text: str) -> None:
        del text
        self.outcome.not_understood += 1


def run_wav(controller: VoiceController, collector: Collector, path: Path) -> Outcome:
    """Feed one WAV as if spoken into the microphone; returns when the worker has finished it."""
    collector.outcome = Outcome()
    source = WavFileSource(path)
    started = time.perf_counter()
    controller.run_source(source)
    controller.wait_idle()
    collector.outcome.wall_seconds = time.perf_counter() - started
    collector.outcome.audio_seconds = source.duration
    return collector.outcome
