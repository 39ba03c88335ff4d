"""The recognizer worker: one thread owns the endpointer and the one `KaldiRecognizer`.

Audio and commands arrive through a queue from any thread. A grammar change is applied between
utterances only (`Reset()` then `SetGrammar`); switching to free dictation replaces the recognizer
with a grammar-less one in the same thread. Every utterance is delivered with all Vosk alternatives
and, in grammar mode, whether the best hypothesis is exactly one grammar phrase (`in_grammar`).

Why `in_grammar` matters: Vosk compiles the phrase list into a bigram LM with back-off, not a strict
grammar, so it can emit word sequences that are no phrase at all ("하기 취소 하기 말해 주세요").
Such an output means the decoder was stitching fragments together to explain audio that fits no
phrase well; measured on espeak-ng Korean, nearly every wrong guess came out this way, while correctly
recognised phrases mostly came out as exactly one phrase. The controller therefore asks before acting
on an off-grammar hypothesis (see VoiceController._on_utterance).

Two passes: on screens that invite free speech the controller installs a `second_pass` predicate.
When the grammar result is weak by its judgement (only `[unk]`, out of grammar, or no confident
intent), the same utterance's audio — kept in memory only until the utterance is delivered — is
decoded again in this thread by a recogniser without a grammar (the model's own vocabulary), and
one utterance carrying both results is delivered (`second_pass=True`, the grammar result in
`first_pass`). The cost is one more decode of the utterance (see bench/voice.py).
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from voice.endpointer import Endpointer, EndpointerConfig
from voice.textnorm import strip_unk

MAX_ALTERNATIVES = 5
SECOND_PASS_RTF = 0.6  # the second pass may take at most this × the utterance's length …
SECOND_PASS_MIN_SECONDS = 0.5  # … but never less than this
# a second pass with a (wider) grammar is a grammar decode, several times faster than free decoding:
# it may take up to this × the utterance's length, so a busy machine does not silently skip it
WIDER_RTF = 2.0
MAX_OVERRUNS = 2  # over budget this many times in a row: this model is too slow for a second pass
_FEED_BYTES = 3200  # 0.1 s at 16 kHz


@dataclass(frozen=True)
class Utterance:
    text: str
    alternatives: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    dictation: bool = False
    audio_seconds: float = 0.0
    decode_seconds: float = 0.0  # time spent inside Vosk for this utterance
    endpoint_at: float = 0.0  # perf_counter when the end of speech was detected (0: Vosk's own endpoint)
    in_grammar: bool | None = None  # best hypothesis is exactly one grammar phrase (None: dictation)
    # every Vosk alternative as (text without unknown-word tokens, confidence), best first, duplicates
    # and empty texts (only [unk] heard) kept: the evidence for how sure the decoder was
    hypotheses: list[tuple[str, float]] = field(default_factory=list)
    second_pass: bool = False  # these alternatives come from decoding again without a grammar
    first_pass: Utterance | None = None  # the grammar result the second pass replaced
    second_pass_seconds: float = 0.0  # time spent in the second decode
    # the second pass used the screen's wider grammar (catalogue phrases plus concept words, Korean)
    # instead of free decoding: its words are only ever asked about (see VoiceController._decide)
    wider_grammar: bool = False
    # the best hypothesis word by word as (word, start s, end s) from the segment's start, unknown-word
    # tokens kept ("[unk]"): how much of the speech the words explain (see VoiceController)
    words: list[tuple[str, float, float]] = field(default_factory=list)
    # a second pass was asked for but abandoned over its time budget: this is the grammar result alone
    second_pass_skipped: bool = False


def grammar_phrases(grammar_json: str | None) -> frozenset[str]:
    """The phrases of a JSON grammar as Vosk will emit them (single spaces, no unknown-word token)."""
    if grammar_json is None:
        return frozenset()
    return frozenset(
        text for text in (" ".join(strip_unk(str(p)).split()) for p in json.loads(grammar_json)) if text
    )


def parse_hypotheses(raw: str) -> list[tuple[str, float]]:
    """Vosk JSON → every alternative as (text with `[unk]` removed, confidence), best first."""
    data = json.loads(raw)
    items = data.get("alternatives") or [{"text": data.get("text", ""), "confidence": 0.0}]
    return [
        (" ".join(strip_unk(str(item.get("text", ""))).split()), float(item.get("confidence", 0.0)))
        for item in items
    ]


def parse_words(raw: str) -> list[tuple[str, float, float]]:
    """Vosk JSON (with `SetWords(True)`) → the best hypothesis's words as (word, start, end)."""
    data = json.loads(raw)
    items = data.get("alternatives") or [data]
    return [
        (str(w.get("word", "")), float(w.get("start", 0.0)), float(w.get("end", 0.0)))
        for w in (items[0].get("result") or [] if items else [])
    ]


def parse_result(raw: str) -> tuple[list[str], list[float]]:
    """Vosk JSON → (texts best first, confidences); `[unk]` removed, empty texts dropped."""
    data = json.loads(raw)
    items = data.get("alternatives") or [{"text": data.get("text", ""), "confidence": 0.0}]
    texts: list[str] = []
    confidences: list[float] = []
    for item in items:
        text = " ".join(strip_unk(str(item.get("text", ""))).split())
        if text and text not in texts:
            texts.append(text)
            confidences.append(float(item.get("confidence", 0.0)))
    return texts, confidences


class RecognizerWorker:
    def __init__(
        self,
        model: Any,
        sample_rate: int,
        on_utterance: Callable[[Utterance], None],
        on_partial: Callable[[str], None] | None = None,
        on_speech: Callable[[bool], None] | None = None,
        endpointer_config: EndpointerConfig | None = None,
    ) -> None:
        self._model = model
        self._on_utterance = on_utterance
        self._on_partial = on_partial
        self._on_speech = on_speech
        self._config = endpointer_config
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._grammar: str | None = None  # JSON grammar; None = dictation
        self._phrases: frozenset[str] = frozenset()
        self._pending: tuple[str | None] | None = None
        self._second_pass: Callable[[Utterance], bool] | None = None
        self._second_grammar: str | None = None  # None: the second pass decodes freely
        self._overruns = 0
        self.second_pass_disabled = False  # set when this model's free decoding proved too slow
        self._rate = sample_rate
        self._thread = threading.Thread(target=self._run, name="vosk-recognizer", daemon=True)
        self._thread.start()

    # ---- API (any thread) -------------------------------------------------------------------
    def set_grammar(self, grammar_json: str | None) -> None:
        """A JSON phrase list (with "[unk]"), or None for free dictation."""
        self._queue.put(("grammar", grammar_json))

    def set_second_pass(
        self, predicate: Callable[[Utterance], bool] | None, grammar_json: str | None = None
    ) -> None:
        """Decode weak grammar results again when `predicate(utterance)` says so (called in the worker
        thread): without a grammar, or with `grammar_json` (a wider phrase list) when given; None:
        grammar results only."""
        self._second_grammar = grammar_json
        self._second_pass = predicate

    def set_sample_rate(self, rate: int) -> None:
        self._queue.put(("rate", rate))

    def feed(self, chunk: bytes) -> None:
        self._queue.put(("audio", chunk))

    def push_to_talk(self, pressed: bool) -> None:
        self._queue.put(("ptt", pressed))

    def flush(self) -> None:
        """End of stream: finish an open utterance."""
        self._queue.put(("flush", None))

    def reset(self) -> None:
        """Drop whatever was heard so far (e.g. the kiosk's own prompt)."""
        self._queue.put(("reset", None))

    def wait_idle(self, timeout: float = 30.0) -> bool:
        done = threading.Event()
        self._queue.put(("mark", done))
        return done.wait(timeout)

    def close(self) -> None:
        self._queue.put(("stop", None))
        self._thread.join(timeout=5)

    # ---- worker thread ------------------------------------------------------------------------
    def _new_recognizer(self) -> None:
        import vosk

        if self._grammar is None:
            self._rec = vosk.KaldiRecognizer(self._model, self._rate)
        else:
            self._rec = vosk.KaldiRecognizer(self._model, self._rate, self._grammar)
        self._rec.SetMaxAlternatives(MAX_ALTERNATIVES)
        self._rec.SetWords(True)
        self._rec_has_grammar = self._grammar is not None

    def _apply_grammar(self, grammar: str | None) -> None:
        self._grammar = grammar
        self._phrases = grammar_phrases(grammar)
        if grammar is not None and self._rec_has_grammar:
            self._rec.Reset()
            self._rec.SetGrammar(grammar)
        else:
            self._new_recognizer()

    def _run(self) -> None:
        self._new_recognizer()
        self._endpointer = Endpointer(self._rate, self._config)
        self._pcm = b""
        self._utterance_pcm: list[bytes] = []  # this utterance's audio, for a second pass; memory only
        self._decode = 0.0
        self._audio = 0
        self._held: list[str] = []
        while True:
            command, value = self._queue.get()
            if command == "stop":
                return
            if command == "mark":
                value.set()
            elif command == "audio":
                self._events(self._endpointer.process(value))
            elif command == "ptt":
                self._events(self._endpointer.push_to_talk(bool(value)))
            elif command == "flush":
                self._events(self._endpointer.flush())
            elif command == "reset":
                self._endpointer.reset()
                self._rec.Reset()
                self._pcm, self._held, self._utterance_pcm = b"", [], []
                self._apply_pending()
            elif command == "grammar":
                self._pending = (value,)
                if not self._endpointer.in_speech:
                    self._apply_pending()
            elif command == "rate":
                self._rate = int(value)
                self._endpointer = Endpointer(self._rate, self._config)
                self._new_recognizer()

    def _apply_pending(self) -> None:
        if self._pending is not None:
            (grammar,) = self._pending
            self._pending = None
            self._apply_grammar(grammar)

    def _events(self, events: list[tuple[str, bytes]]) -> None:
        for kind, audio in events:
            if kind == "start":
                self._pcm, self._decode, self._audio, self._held = b"", 0.0, 0, []
                self._utterance_pcm = []
                # A fresh recognizer per utterance (≈ 0.5 ms with a screen grammar): Vosk otherwise
                # carries its online CMVN/i-vector adaptation from one utterance (or resident) to the
                # next, and the same words then decode differently depending on what came before.
                self._new_recognizer()
                if self._on_speech:
                    self._on_speech(True)
                self._accept(audio)
            elif kind == "audio":
                self._accept(audio)
            elif kind == "end":
                self._finish(time.perf_counter())
            elif kind == "cancel":  # a click or steady noise, not speech: forget it
                self._rec.Reset()
                self._pcm, self._held, self._utterance_pcm = b"", [], []
                if self._on_speech:
                    self._on_speech(False)
                self._apply_pending()

    def _accept(self, audio: bytes) -> None:
        self._pcm += audio
        if self._grammar is not None and self._second_pass is not None:
            self._utterance_pcm.append(audio)
        self._audio += len(audio)
        if len(self._pcm) < _FEED_BYTES:
            return
        pcm, self._pcm = self._pcm, b""
        started = time.perf_counter()
        endpoint = self._rec.AcceptWaveform(pcm)
        self._decode += time.perf_counter() - started
        if endpoint:  # Vosk's own endpoint: hold the result until ours confirms it was speech
            self._held.append(self._rec.Result())
        elif self._on_partial:
            partial = strip_unk(json.loads(self._rec.PartialResult()).get("partial", "")).strip()
            if partial:
                self._on_partial(partial)

    def _finish(self, endpoint_at: float) -> None:
        started = time.perf_counter()
        if self._pcm:
            self._rec.AcceptWaveform(self._pcm)
            self._pcm = b""
        raw = self._rec.FinalResult()
        self._decode += time.perf_counter() - started
        held, self._held = self._held, []
        pcm, self._utterance_pcm = b"".join(self._utterance_pcm), []
        predicate = self._second_pass if self._grammar is not None else None
        skipped = False
        if predicate is not None and pcm:
            judged = raw
            if held:  # Vosk cut the utterance itself: judge the whole of it
                judged = json.dumps({"text": " ".join(parse_hypotheses(r)[0][0] for r in [*held, raw])})
            first = self._utterance(judged, endpoint_at)
            if predicate(first):
                if self._deliver_second_pass(first, pcm):
                    self._finish_utterance()
                    return
                skipped = True
        for earlier in held:
            self._deliver(earlier, endpoint_at, skipped)
        self._deliver(raw, endpoint_at, skipped)
        self._finish_utterance()

    def _finish_utterance(self) -> None:
        self._decode = 0.0
        if self._on_speech:
            self._on_speech(False)
        self._apply_pending()

    def _deliver_second_pass(self, first: Utterance, pcm: bytes) -> bool:
        """Decode `pcm` again without a grammar and deliver that, with the grammar result inside.

        The second pass has a time budget (SECOND_PASS_RTF × the utterance's length): a resident must
        not wait seconds for an answer. Over budget, it is abandoned (False: deliver the grammar
        result) — and after MAX_OVERRUNS in a row this model is too slow for it (the PyPI Korean
        model's 500 000-word free decoding runs far slower than real time here): second passes
        stop for this worker and `second_pass_disabled` says so."""
        import vosk

        wider = self._second_grammar
        if self.second_pass_disabled and wider is None:
            return False
        started = time.perf_counter()
        rtf = SECOND_PASS_RTF if wider is None else WIDER_RTF
        budget = max(SECOND_PASS_MIN_SECONDS, rtf * len(pcm) / 2 / self._rate)
        if wider is None:
            free = vosk.KaldiRecognizer(self._model, self._rate)
        else:  # a grammar decode is fast: the budget still guards it
            free = vosk.KaldiRecognizer(self._model, self._rate, wider)
        free.SetMaxAlternatives(MAX_ALTERNATIVES)
        free.SetWords(True)
        for offset in range(0, len(pcm), _FEED_BYTES * 2):
            free.AcceptWaveform(pcm[offset : offset + _FEED_BYTES * 2])
            if time.perf_counter() - started > budget:
                self._overruns += 1
                self.second_pass_disabled = self._overruns >= MAX_OVERRUNS
                return False
        raw = free.FinalResult()
        seconds = time.perf_counter() - started
        self._overruns = 0
        self._on_utterance(
            replace(
                self._utterance(raw, first.endpoint_at),
                audio_seconds=first.audio_seconds,
                decode_seconds=first.decode_seconds + seconds,
                in_grammar=None,
                second_pass=True,
                first_pass=first,
                second_pass_seconds=seconds,
                wider_grammar=wider is not None,
            )
        )
        return True

    def _utterance(self, raw: str, endpoint_at: float) -> Utterance:
        """The one place a Vosk result becomes an Utterance (grammar or dictation; the second pass
        adjusts a few fields of it)."""
        texts, confidences = parse_result(raw)
        return Utterance(
            text=texts[0] if texts else "",
            alternatives=texts,
            confidences=confidences,
            dictation=self._grammar is None,
            audio_seconds=self._audio / 2 / self._rate,
            decode_seconds=self._decode,
            endpoint_at=endpoint_at,
            in_grammar=None if self._grammar is None or not texts else texts[0] in self._phrases,
            hypotheses=parse_hypotheses(raw),
            words=parse_words(raw),
        )

    def _deliver(self, raw: str, endpoint_at: float, second_pass_skipped: bool = False) -> None:
        utterance = self._utterance(raw, endpoint_at)
        if second_pass_skipped:
            utterance = replace(utterance, second_pass_skipped=True)
        if not utterance.alternatives:
            return  # only [unk] or silence: nothing was said
        self._on_utterance(utterance)
        self._decode = 0.0
