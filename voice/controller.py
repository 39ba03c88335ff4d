"""VoiceController: the Qt-free facade the kiosk drives.

It loads the model for the screen's locale in the background, builds the screen grammar (reporting
uncovered phrases), runs audio from the microphone or a WAV through the endpointer, the recognizer
worker and the IntentMatcher, asks a yes/no question when unsure, and speaks prompts with the
half-duplex gate closed. Everything reaches the UI through the plain callbacks in `VoiceCallbacks`;
ui/voice_bridge.py turns them into Qt signals. Without a model or microphone `status` says why.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from models.catalogue import Catalogue, bundled_catalogue
from voice.audio import SAMPLE_RATE, AudioSource, AudioUnavailable, MicrophoneSource
from voice.concepts import grammar_words
from voice.decoding import KOREAN_LATTICE_BEAM, with_lattice_beam
from voice.endpointer import EndpointerConfig
from voice.grammar import GrammarBuild, Uncovered, build_grammar
from voice.matcher import NOTHING, IntentMatcher, IntentResult
from voice.messages import message
from voice.models import LoadedModel, ModelMissing, load_in_background, locate_model
from voice.recognizer import RecognizerWorker, Utterance
from voice.screens import COMMAND_IDS, FREE_SPEECH_SCREENS, HOME, intent_label, screen_intents
from voice.tts import Speaker
from voice.vocabulary import Vocabulary, load_vocabulary

# Vosk alternative scores (log-likelihood–like, higher is better) closer than this to the best one
# count as a real competitor. Calibrated on espeak-ng Korean through the home grammar: wrong guesses
# had a competitor for another intent (or for nothing) within 0–2.7, right ones rarely within 3.
ALTERNATIVE_MARGIN = 3.0
# Grammar phrases that, heard on their own, are not trusted to act: on the tuning half of the Korean
# phrasings (tests/voice/ko_phrasings.py, 12 voice/noise conditions, bench/voice_ko_matrix.py) each was
# the decoder's answer for another intent's speech more often than for its own — espeak-ng's "뒤로"
# came out as "무사 해요" 8 times (a check-in, with word posteriors up to 1.0 and no close alternative,
# so neither the margin rule nor a word-confidence gate caught it), "긴급 호출" as "뒤로", "오늘도
# 무사해요" at 10 dB as "증명서 떼기" — and none was ever the right answer there. Hearing one, the
# controller asks ("… 할까요?") instead of acting; a yes then acts.
ASK_FIRST: dict[str, frozenset[str]] = {"ko": frozenset({"무사 해요", "뒤로", "증명서 떼기"})}


# Korean: the heard phrase must account for the speech. The endpointer's segment is the speech plus
# its pre-roll and hang-over; a grammar phrase much shorter than the speech (more than this many
# seconds of speech per syllable heard) is the decoder latching onto a fragment of something else —
# tuning halves: "긴급 호출" (a help call) heard as "민원" over 1.4 s of speech. Right answers there
# stayed under 0.46 s per syllable even at espeak-ng's slowest speed; residents who speak slowly are
# asked, not refused.
MAX_SECONDS_PER_SYLLABLE = 0.55
# … and the other way round: a phrase far longer than the speech (fewer seconds per syllable than this)
# is words invented over a short burst — e.g. the tail of a phrase the endpointer cut in two. Right
# answers on the tuning halves stayed above 0.084 s per syllable (espeak-ng's fastest speed at 10 dB).
# Added after the held-out matrix showed such a fragment ("투표 하기", 4 syllables in 0.19 s of
# speech) act on a question's answer; checked on the tuning halves first (no right action lost).
MIN_SECONDS_PER_SYLLABLE = 0.07
_PADDING = EndpointerConfig().preroll + EndpointerConfig().hangover
# Korean home screen: act only when a second, wider decode (catalogue phrases plus concept words) of
# the same audio names the same intent; otherwise ask. See VoiceController._needs_second_pass.
CONFIRM_BY_WIDER = True
# Korean home screen: after this many utterances in a row that came to nothing (not understood, or a
# question answered no), the kiosk offers to call staff (a yes/no question): a resident it keeps failing
# to understand may be the one who needs help, and missing a call for help is worse than asking once.
OFFER_HELP_AFTER = {"ko": 2}


def _syllables(text: str) -> int:
    """Spoken syllables of a Korean phrase (one per Hangul block; other characters count one each)."""
    return sum(1 for ch in text if not ch.isspace())


def unexplained_speech(utterance: Utterance, padding: float = _PADDING) -> bool:
    """True when the heard words do not fit the length of the speech: far too few for it, or far too
    many (see MAX_SECONDS_PER_SYLLABLE and MIN_SECONDS_PER_SYLLABLE)."""
    syllables = _syllables(utterance.text)
    if not syllables or not utterance.audio_seconds:
        return False
    per_syllable = (utterance.audio_seconds - padding) / syllables
    return not MIN_SECONDS_PER_SYLLABLE <= per_syllable <= MAX_SECONDS_PER_SYLLABLE


def recognizer_doubts(utterance: Utterance, matcher: IntentMatcher, intent: str) -> bool:
    """True when Vosk's own evidence is too weak to act on `intent` without asking:

    - the best hypothesis is no grammar phrase (the bigram LM stitched fragments together), or
    - a close alternative names another intent, or nothing (only [unk]/no phrase), i.e. the
      decoder could not separate them, or
    - it is a phrase the decoder is known to confuse (ASK_FIRST), or
    - (Korean) the phrase is far too short, or far too long, for the speech it was heard in.
    """
    if utterance.in_grammar is False:
        return True
    korean = matcher.locale[:2] == "ko"
    if utterance.text in ASK_FIRST.get(matcher.locale[:2], frozenset()):
        return True
    if korean and unexplained_speech(utterance):
        return True
    hypotheses = utterance.hypotheses
    if not hypotheses:
        return False
    best_text, best = hypotheses[0]
    if best_text != utterance.text:
        return True  # the best hypothesis was only [unk]
    return any(
        best - score < ALTERNATIVE_MARGIN and matcher.intent_of(text) != intent
        for text, score in hypotheses[1:]
    )


@dataclass(frozen=True)
class VoiceStatus:
    available: bool
    state: str  # loading | ready | no_model | broken_model | no_microphone | listening
    message: str
    locale: str
    detail: str = ""  # technical cause for volunteers and logs (e.g. which command installs the model)


@dataclass(frozen=True)
class IntentEvent:
    intent: str
    confidence: float
    text: str
    confirmed: bool  # True when the resident said yes to a confirmation question
    result: IntentResult


@dataclass(frozen=True)
class ConfirmRequest:
    intent: str
    question: str
    result: IntentResult


@dataclass
class VoiceCallbacks:
    """All optional; called from worker threads (the Qt bridge re-emits them on the UI thread)."""

    status: Callable[[VoiceStatus], None] | None = None
    partial: Callable[[str], None] | None = None
    text: Callable[[Utterance], None] | None = None
    intent: Callable[[IntentEvent], None] | None = None
    confirm: Callable[[ConfirmRequest], None] | None = None
    not_understood: Callable[[str], None] | None = None
    grammar: Callable[[list[Uncovered]], None] | None = None
    hint: Callable[[str], None] | None = None  # a greeting: what can be said (also spoken)


@dataclass
class _Screen:
    screen_id: str = HOME
    locale: str = "zh_CN"
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dictation: bool = False


class VoiceController:
    def __init__(
        self,
        callbacks: VoiceCallbacks | None = None,
        catalogue: Catalogue | None = None,
        models_dir: Path | str | None = None,
        speaker: Speaker | None = None,
        endpointer: EndpointerConfig | None = None,
        speak_feedback: bool = True,
        two_pass: bool = True,
    ) -> None:
        self.callbacks = callbacks or VoiceCallbacks()
        self.catalogue = catalogue or bundled_catalogue()
        self.models_dir = models_dir
        self.speaker = speaker
        self.speak_feedback = speak_feedback and speaker is not None
        self.two_pass = two_pass  # decode weak grammar results again on free-speech screens
        self._endpointer = endpointer
        self._screen = _Screen()
        self._lock = threading.RLock()
        self._models: dict[str, LoadedModel] = {}
        self._vocab: dict[str, Vocabulary] = {}
        self._loading: set[str] = set()
        self._worker: RecognizerWorker | None = None
        self._worker_locale = ""
        self._rate = SAMPLE_RATE
        self._matcher: IntentMatcher | None = None
        self._pending: ConfirmRequest | None = None
        self._misses = 0  # utterances in a row on this screen that came to nothing (OFFER_HELP_AFTER)
        self._offered_help = False  # asked once already (for this resident, on this screen)
        self._wider = False  # the screen's second pass uses a wider grammar (not free decoding)
        self.wider_grammar: str | None = None  # that grammar (JSON), for benchmarks
        self._mic: MicrophoneSource | None = None
        self._mic_thread: threading.Thread | None = None
        self.status = VoiceStatus(False, "loading", message("loading", "zh_CN"), "zh_CN")
        self.last_grammar: GrammarBuild | None = None
        self._ready = threading.Event()
        if speaker is not None:
            speaker.gate.on_reopen = self._on_gate_reopen

    # ---- screen and model ------------------------------------------------------------------
    def set_screen(
        self,
        screen_id: str,
        locale: str,
        extra_commands: Mapping[str, Sequence[str]] | None = None,
        dictation: bool = False,
    ) -> None:
        """Listen for this screen's commands (or free dictation); loads the locale's model if needed."""
        with self._lock:
            self._screen = _Screen(
                screen_id, locale, {k: tuple(v) for k, v in (extra_commands or {}).items()}, dictation
            )
            self._pending = None
            self._misses, self._offered_help = 0, False
            table = screen_intents(screen_id, locale, self.catalogue, self._screen.extra)
            self._matcher = IntentMatcher(table, locale)
            if locale in self._models:
                self._apply_screen()
            else:
                self._start_loading(locale)

    def _start_loading(self, locale: str) -> None:
        self._ready.clear()
        try:
            path = locate_model(locale, self.models_dir)
            if locale == "ko" and KOREAN_LATTICE_BEAM:
                path = with_lattice_beam(path, KOREAN_LATTICE_BEAM)
        except ModelMissing as missing:
            self._set_status(False, missing.reason, locale, detail=str(missing))
            self._ready.set()
            return
        self._set_status(False, "loading", locale)
        if locale in self._loading:
            return
        self._loading.add(locale)

        def done(loaded: LoadedModel | None, error: Exception | None) -> None:
            with self._lock:
                self._loading.discard(locale)
                if loaded is None:
                    self._set_status(False, "broken_model", locale, detail=str(error))
                    self._ready.set()
                    return
                self._models[locale] = loaded
                self._vocab[locale] = load_vocabulary(loaded.path)
                if self._screen.locale == locale:
                    self._apply_screen()

        load_in_background(path, done)

    def _apply_screen(self) -> None:
        screen = self._screen
        loaded = self._models[screen.locale]
        if self._worker is None or self._worker_locale != screen.locale:
            if self._worker is not None:
                self._worker.close()
            self._worker = RecognizerWorker(
                loaded.model,
                self._rate,
                self._on_utterance,
                self._on_partial,
                endpointer_config=self._endpointer,
            )
            self._worker_locale = screen.locale
        wider: str | None = None
        if screen.dictation:
            self.last_grammar = None
            self._worker.set_grammar(None)
        else:
            table = screen_intents(screen.screen_id, screen.locale, self.catalogue, screen.extra)
            build = build_grammar(table, self._vocab[screen.locale], screen.locale)
            extra = grammar_words(screen.locale, table) if screen.screen_id in FREE_SPEECH_SCREENS else ()
            if extra:
                # the second pass's wider grammar (see voice/concepts.py grammar_words): offered in the
                # first pass too, these words pushed the catalogue's own phrases out (tuning half: clean
                # 51 % → 37 % on the first 43 phrasings), so they get their own decode
                wide = build_grammar(table, self._vocab[screen.locale], screen.locale)
                wide.extend(build_grammar({"": extra}, self._vocab[screen.locale], screen.locale))
                wider = wide.to_json()
            self.last_grammar = build
            if build.uncovered and self.callbacks.grammar:
                self.callbacks.grammar(build.uncovered)
            self._worker.set_grammar(build.to_json())
        self._wider, self.wider_grammar = wider is not None, wider
        self._worker.set_second_pass(self._needs_second_pass if self.two_pass else None, wider)
        self._set_status(True, "ready", screen.locale)
        self._ready.set()

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Block until the model is loaded (or known missing); True when voice is available."""
        self._ready.wait(timeout)
        return self.status.available

    def _set_status(self, available: bool, state: str, locale: str, detail: str = "") -> None:
        self.status = VoiceStatus(available, state, message(state, locale), locale, detail)
        if self.callbacks.status:
            self.callbacks.status(self.status)

    # ---- audio in ----------------------------------------------------------------------------
    def feed(self, chunk: bytes, sample_rate: int = SAMPLE_RATE) -> None:
        """Audio from any thread; dropped while a prompt plays (half-duplex) or voice is off."""
        worker = self._worker
        if worker is None or not self.status.available:
            return
        if self.speaker is not None and not self.speaker.gate.mic_open():
            return
        if sample_rate != self._rate:
            self._rate = sample_rate
            worker.set_sample_rate(sample_rate)
            self.set_screen(
                self._screen.screen_id, self._screen.locale, self._screen.extra, self._screen.dictation
            )
        worker.feed(chunk)

    def run_source(self, source: AudioSource, realtime: bool = False) -> None:
        """Feed a whole source (WAV file or microphone) through the pipeline, then flush. A source is
        a new stream: the endpointer learns its noise floor afresh."""
        if self._worker is not None:
            self._worker.reset()
        chunk_seconds = 0.0
        for chunk in source.chunks():
            self.feed(chunk, source.sample_rate)
            if realtime:
                chunk_seconds = len(chunk) / 2 / source.sample_rate
                time.sleep(chunk_seconds)
        self.flush()

    def flush(self) -> None:
        if self._worker is not None:
            self._worker.flush()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        return self._worker.wait_idle(timeout) if self._worker is not None else True

    def push_to_talk(self, pressed: bool) -> None:
        """按住说话: pressed opens an utterance now, release ends it."""
        if self._worker is not None and self.status.available:
            if pressed and self.speaker is not None:
                self.speaker.stop()
            self._worker.push_to_talk(pressed)

    def start_microphone(self, device: int | str | None = None) -> bool:
        """Listen on the microphone in a thread; False (and a status saying why) when there is none."""
        try:
            self._mic = MicrophoneSource(device)
        except AudioUnavailable as exc:
            self._set_status(False, "no_microphone", self._screen.locale, detail=str(exc))
            return False
        mic = self._mic

        def run() -> None:
            try:
                for chunk in mic.chunks():
                    self.feed(chunk, mic.sample_rate)
            except AudioUnavailable:
                self._set_status(False, "no_microphone", self._screen.locale)

        self._mic_thread = threading.Thread(target=run, name="microphone", daemon=True)
        self._mic_thread.start()
        return True

    def stop_microphone(self) -> None:
        if self._mic is not None:
            self._mic.close()
            self._mic = None

    def _on_gate_reopen(self) -> None:
        if self._worker is not None:
            self._worker.reset()  # forget anything heard while the kiosk was speaking

    # ---- results -----------------------------------------------------------------------------
    def _on_partial(self, text: str) -> None:
        if self.callbacks.partial:
            self.callbacks.partial(text)

    def _needs_second_pass(self, utterance: Utterance) -> bool:
        """Worker thread: on a free-speech screen (or while a yes/no question waits), is this grammar
        result too weak to stand — only [unk], out of grammar, or no intent that may act?"""
        with self._lock:
            matcher, screen, pending = self._matcher, self._screen, self._pending
        if matcher is None or not (screen.screen_id in FREE_SPEECH_SCREENS or pending is not None):
            return False
        if self._wider:
            # a wider-grammar second pass only for what the grammar could not place at all: where it
            # already points to an intent (acting or asking), the wider decode was more often wrong
            # (tuning half: "소리 크게" heard as "크게", then as "이 큰일")
            decided = self._decide(utterance, matcher)
            if CONFIRM_BY_WIDER and decided.acts and decided.intent not in ("yes", "no"):
                return True  # about to act: the wider decode must name the same intent
            return decided.intent is None and not decided.hint
        if not utterance.text or utterance.in_grammar is False:
            return True
        result = matcher.match(utterance.alternatives)
        return not result.acts or recognizer_doubts(utterance, matcher, result.intent or "")

    def _decide(self, utterance: Utterance, matcher: IntentMatcher) -> IntentResult:
        """The intent of an utterance; a second-pass utterance falls back on its grammar result
        when the free decoding means nothing."""
        if utterance.second_pass:
            first = utterance.first_pass
            if utterance.wider_grammar and first is not None and first.alternatives and CONFIRM_BY_WIDER:
                grammar = self._decide(first, matcher)
                if grammar.acts and grammar.intent not in ("yes", "no"):
                    # the grammar pass would act: only if the wider decode of the same audio agrees
                    wider = matcher.match(utterance.alternatives[:1]) if utterance.alternatives else NOTHING
                    return grammar if wider.intent == grammar.intent else replace(grammar, confirm=True)
            alternatives = utterance.alternatives
            if utterance.wider_grammar and first is not None:
                # the wider decode's best words first, then the grammar's own best guess, then the
                # rest: on the tuning halves this order asked the right question most often
                alternatives = list(
                    dict.fromkeys([*alternatives[:1], *first.alternatives[:1], *alternatives[1:]])
                )
            result = matcher.match(alternatives) if alternatives else None
            if (result is None or (result.intent is None and not result.hint)) and first is not None:
                return self._decide(first, matcher) if first.alternatives else (result or NOTHING)
            if result is not None and utterance.wider_grammar and result.intent is not None:
                # words the catalogue grammar could not place: ask, never act (acting on them made
                # 2–13 wrong actions per 100 clips on the tuning halves)
                result = replace(result, confirm=True)
            return result or NOTHING
        result = matcher.match(utterance.alternatives)
        if result.acts and recognizer_doubts(utterance, matcher, result.intent or ""):
            result = replace(result, confirm=True)
        elif result.acts and utterance.second_pass_skipped and CONFIRM_BY_WIDER and self._wider:
            # the confirming decode ran out of time (a busy machine): ask rather than act unconfirmed
            result = replace(result, confirm=True)
        return result

    def _on_utterance(self, utterance: Utterance) -> None:
        shown = utterance  # what was heard: the free decoding, or the grammar's words if it heard none
        if not utterance.text and utterance.first_pass is not None:
            shown = replace(utterance, text=utterance.first_pass.text)
        if self.callbacks.text and shown.text:
            self.callbacks.text(shown)
        with self._lock:
            matcher, screen, pending = self._matcher, self._screen, self._pending
        if utterance.dictation or matcher is None:
            return
        result = self._decide(utterance, matcher)
        if result.hint == "greeting" and pending is None:
            self._hint(screen.locale)
            return
        if pending is not None:
            self._answer_confirmation(pending, result, utterance)
            return
        if screen.screen_id == HOME and result.intent in ("yes", "no"):
            # no question is waiting: a yes or no means nothing here (on Korean speech, espeak-ng's
            # "천천히" was heard as the grammar phrase "취소 하기" with full confidence)
            self._not_understood(screen.locale)
            return
        if result.intent is None:
            self._not_understood(screen.locale)
        elif result.confirm and result.intent not in ("yes", "no"):
            self._ask(result, screen.locale)
        elif result.confirm:
            self._not_understood(screen.locale)
        else:
            self._emit(IntentEvent(result.intent, result.confidence, utterance.text, False, result))

    def _answer_confirmation(
        self, pending: ConfirmRequest, result: IntentResult, utterance: Utterance
    ) -> None:
        with self._lock:
            self._pending = None
        if result.acts and result.intent == "yes":
            self._emit(
                IntentEvent(pending.intent, pending.result.confidence, utterance.text, True, pending.result)
            )
        elif result.acts and result.intent not in ("no", None):
            self._emit(IntentEvent(result.intent or "", result.confidence, utterance.text, False, result))
        elif not self._offer_help(self._screen.locale):
            self._say(message("cancelled", self._screen.locale), self._screen.locale)

    def answer(self, yes: bool) -> bool:
        """The resident answered the pending question by touch (the 是 / 不是 buttons): exactly as if
        they had said 是 or 不是. False (and nothing happens) when no question is pending any more,
        e.g. the screen changed or a spoken answer came first."""
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is None:
            return False
        if yes:
            self._emit(IntentEvent(pending.intent, pending.result.confidence, "", True, pending.result))
        else:
            self._say(message("cancelled", self._screen.locale), self._screen.locale)
        return True

    def _ask(self, result: IntentResult, locale: str) -> None:
        intent = result.intent or ""
        label = intent_label(intent, locale, self.catalogue)
        key = "confirm_command" if intent in COMMAND_IDS else "confirm"
        request = ConfirmRequest(intent, message(key, locale, label=label), result)
        with self._lock:
            self._pending = request
        if self.callbacks.confirm:
            self.callbacks.confirm(request)
        self._say(request.question, locale)

    def _hint(self, locale: str) -> None:
        text = message("hint", locale)
        if self.callbacks.hint:
            self.callbacks.hint(text)
        elif self.callbacks.not_understood:
            self.callbacks.not_understood(text)
        self._say(text, locale)

    def _offer_help(self, locale: str) -> bool:
        """Count one more utterance that came to nothing; on the home screen, after OFFER_HELP_AFTER of
        them in a row, ask whether to call staff instead of saying "not understood" again (True)."""
        with self._lock:
            self._misses += 1
            limit = OFFER_HELP_AFTER.get(locale[:2])
            if self._screen.screen_id != HOME or limit is None or self._misses < limit or self._offered_help:
                return False
            self._misses, self._offered_help = 0, True
        result = IntentResult("help_call", 0.0, True)
        request = ConfirmRequest("help_call", message("offer_help", locale), result)
        with self._lock:
            self._pending = request
        if self.callbacks.confirm:
            self.callbacks.confirm(request)
        self._say(request.question, locale)
        return True

    def _not_understood(self, locale: str) -> None:
        if self._offer_help(locale):
            return
        text = message("not_understood", locale)
        if self.callbacks.not_understood:
            self.callbacks.not_understood(text)
        self._say(text, locale)

    def _emit(self, event: IntentEvent) -> None:
        with self._lock:
            self._misses, self._offered_help = 0, False
        if self.speaker is not None:
            if event.intent == "louder":
                self.speaker.settings = self.speaker.settings.louder()
            elif event.intent == "slower":
                self.speaker.settings = self.speaker.settings.slower(self._screen.locale)
        if self.callbacks.intent:
            self.callbacks.intent(event)

    # ---- speech out --------------------------------------------------------------------------
    def say(self, text: str, locale: str | None = None) -> None:
        """Speak a prompt (never blocks; ID numbers and PINs are masked)."""
        if self.speaker is not None:
            self.speaker.say(text, locale or self._screen.locale)

    def set_volume(self, volume: float) -> None:
        """Station default volume (also what each new resident starts with)."""
        if self.speaker is not None:
            self.speaker.settings = replace(self.speaker.settings, volume=max(0.0, min(1.0, volume)))

    def set_rate(self, rate: int) -> None:
        """Station default speaking rate (words or characters per minute), for every locale."""
        if self.speaker is not None:
            settings = self.speaker.settings
            rates = {locale: int(rate) for locale in {*settings.rates, "zh_CN", "en", "ko"}}
            self.speaker.settings = replace(settings, rates=rates)

    def _say(self, text: str, locale: str) -> None:
        if self.speak_feedback:
            self.say(text, locale)

    def stop_speaking(self) -> None:
        if self.speaker is not None:
            self.speaker.stop()

    def new_resident(self) -> None:
        """Volume and rate back to defaults; any pending question forgotten."""
        with self._lock:
            self._pending = None
            self._misses, self._offered_help = 0, False
        if self.speaker is not None:
            self.speaker.reset_for_next_resident()

    def close(self) -> None:
        self.stop_microphone()
        if self._worker is not None:
            self._worker.close()
            self._worker = None
        if self.speaker is not None:
            self.speaker.close()
