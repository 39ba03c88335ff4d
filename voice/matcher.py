"""IntentMatcher: recognised text (every Vosk alternative) → an intent, a confidence, and whether to ask.

Two kinds of evidence, combined in `match`:

- phrases: the screen's catalogue phrases; exact or synonym phrases score 1, otherwise fuzzy
  similarity over locale tokens (pinyin with dialect folding for Chinese, jamo for Korean, words for
  English). Good for short commands ("返回", "是的") and option names.
- concepts (voice/concepts.py): weighted concept words with synonyms and colloquial variants from
  assets/catalogue/concepts/, so "门口的下水道又堵了" reaches 反映问题 without being a listed phrase.

- a statistical model (voice/intent_model.py, Mandarin home screen): what labelled speech like this
  meant, from character n-grams, words and toneless pinyin — it generalises past the word lists.

Safety first: anything that sounds like a call for help reaches `help_call` — acting at once, or
asking once when another intent competes or the words were negated. Otherwise the best intent acts
when it is confident and clearly ahead of the runner-up; when the margin is small or the score
middling the kiosk asks "您是要办理……吗？"; below the floor nothing happens (a lone greeting gets a
spoken hint instead, `IntentResult.hint == "greeting"`).

The model only adjusts the rules' decision, conservatively (`_blend`): the rules' help detection
stays and the model may only add to it (a likely call for help is asked about); it turns a rule "ask"
or "nothing" into an action only when it is confident and the rules do not point elsewhere; when it
confidently disagrees with a rule action, the kiosk asks instead of acting; it never answers a yes/no
question and never acts on greetings, chit-chat or a radio.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from voice.concepts import COMMON_WORD, HELP, ConceptScorer, ConceptScores, concept_table
from voice.intent_model import NONE, IntentModel, intent_model
from voice.segment import zh_word_frequency
from voice.similarity import phrase_score
from voice.textnorm import tokens

ACT_THRESHOLD = 0.8
FLOOR = 0.62
NESTED_PENALTY = 0.7  # 是的 inside 不是的 is not evidence for yes
MARGIN = 0.12
ALTERNATIVE_WEIGHT = 0.92  # a lower-ranked Vosk alternative counts a little less than the best
# concept evidence (sums of concept weights, see assets/catalogue/concepts/)
CONCEPT_ACT = 1.0  # enough to act …
CONCEPT_MARGIN = 0.5  # … when this far ahead of any other intent
CONCEPT_FLOOR = 0.6  # enough to ask
COMPETES = 0.8  # another intent this strong competes with a call for help: ask once
HELP_FLOOR = 0.5  # the least help evidence that is never ignored
SHORT_UTTERANCE = 6  # characters: a command; longer speech needs concept words to be asked about
COMMAND_COVERAGE = 0.5  # share of the words a global command must cover to act on its own
COMMAND_INTENTS = frozenset({"back", "home", "repeat", "louder", "slower", "yes", "no"})
ANSWERS = frozenset({"yes", "no"})
WEAK_COMMAND = 0.5  # a command's concept score when its words are not what the utterance is about
# what does not count against a command's coverage: particles, "say", "please" (per locale)
COMMAND_PARTICLES = {
    # (点/一/遍/次/下/来/能: "再说一遍", "从头来", "能不能说慢点" — amounts and frames, not content)
    # (再/又/还: "声音再响一点"; 伐/噻/咯/嘞/哈/哟/喽/撒/滴: southern and northern sentence-final particles)
    # (到/上: "回到首页上去")
    "zh": frozenset(
        "了的啊吧嘛呢吗呀哦得我你要就说讲话去个些那这刚才点一遍次下来能再又还伐噻咯嘞哈哟喽撒滴到上"
    ),
    "ko": frozenset("좀말해주세요가줘"),
    "en": frozenset({"please", "the", "a", "to", "me", "could", "can", "you", "i", "want", "would", "go"}),
}
# frame words around a command, of more than one character ("直接回到最前头", "麻烦你大声点")
COMMAND_FRAMES = {
    "zh": ("直接", "回到", "麻烦", "赶紧", "快点", "帮我", "给我", "请你", "能不能", "可不可以")
}
# another intent's own words this strong name what a question frame ("…下来了吗") asks about
FRAME_YIELDS = 0.4
TOPIC_CAP = 0.5  # an intent named only by its topic words, beside another intent's request: no rival
SCORE_CACHE = 64  # texts whose phrase scores a matcher keeps (the last few utterances' alternatives)
LONG_UTTERANCE = 16  # characters: longer speech (a radio, a chat) only ever asks, never acts
# the statistical model's probabilities (voice/intent_model.py), chosen on leave-one-corpus-out runs
# against the rule layer of commits that had not seen the held-out corpus (see the stop note)
# (a call for help the model alone hears is only ever asked about: acting on it made wrong actions of
# talk about falls — "我妈以前老说人老了就怕摔" — on the fifth corpus at first sight)
MODEL_HELP_ASK = 0.5  # this likely a call for help: asked about, whatever the rules said
MODEL_ACT = 0.7  # a rule "ask"/"nothing" becomes an action (0.6 with the rules asking the same made
# a wrong action of "楼道里全是烟我出不去" on the fifth corpus at first sight: one threshold for both)
MODEL_ACT_LONG = 0.9  # … for speech longer than LONG_UTTERANCE, only this sure and with the rules
MODEL_DISAGREE = 0.8  # this sure that nothing was asked for: a rule action is asked about instead
MODEL_DISAGREE_OTHER = 0.9  # … this sure of another intent: likewise


@dataclass(frozen=True)
class Scored:
    intent: str
    score: float
    text: str
    phrase: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "score": round(self.score, 3),
            "text": self.text,
            "phrase": self.phrase,
        }


@dataclass(frozen=True)
class IntentResult:
    intent: str | None
    confidence: float
    confirm: bool
    alternatives: list[Scored] = field(default_factory=list)
    text: str = ""
    hint: str = ""  # "greeting": nothing to do, but tell the resident what can be said

    @property
    def acts(self) -> bool:
        """True when the kiosk may act without asking."""
        return self.intent is not None and not self.confirm

    def as_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "confirm": self.confirm,
            "alternatives": [a.as_dict() for a in self.alternatives],
            **({"hint": self.hint} if self.hint else {}),
        }


NOTHING = IntentResult(None, 0.0, False)


class IntentMatcher:
    """Scores utterances against one screen's intent table in one locale."""

    def __init__(
        self,
        table: Mapping[str, Sequence[str]],
        locale: str,
        concepts: bool = True,
        use_model: bool = True,
        model: IntentModel | None = None,
    ) -> None:
        """`model`: the statistical model to combine with the rules (default: the bundled Mandarin
        one, loaded on first use — after the kiosk's first paint); `use_model=False`: rules only."""
        self.locale = locale
        self._intents = frozenset(table)
        self._use_model = use_model and concepts and locale.startswith("zh")
        self._model = model
        self._phrases = [
            (intent, phrase, tokens(phrase, locale))
            for intent, phrases in table.items()
            for phrase in phrases
        ]
        self._scored: dict[str, dict[str, Scored]] = {}  # text → best phrase per intent (see below)
        # concepts only for the intents this screen offers (an option screen has its own words)
        self._concepts = ConceptScorer(concept_table(locale), table.keys()) if concepts else None

    def _best_per_intent(self, text: str, weight: float) -> dict[str, Scored]:
        unweighted = self._scored.get(text)
        if unweighted is None:
            unweighted = self._score_phrases(text)
            if len(self._scored) >= SCORE_CACHE:
                self._scored.pop(next(iter(self._scored)))
            self._scored[text] = unweighted
        if weight == 1.0:
            return dict(unweighted)
        return {i: replace(s, score=s.score * weight) for i, s in unweighted.items()}

    def _score_phrases(self, text: str) -> dict[str, Scored]:
        """Best phrase per intent for one text (pure-Python edit distances over every phrase: the
        costly part of a match, so `_best_per_intent` keeps the last few texts' results — the
        controller scores the same alternatives when judging a second pass and when deciding)."""
        said = tokens(text, self.locale)
        best: dict[str, Scored] = {}
        if not said:
            return best
        spans = self._spans(said)
        for intent, phrase, phrase_tokens in self._phrases:
            score = phrase_score(said, phrase_tokens)
            if _nested_only(phrase_tokens, said, spans):
                score *= NESTED_PENALTY
            if intent not in best or score > best[intent].score:
                best[intent] = Scored(intent, score, text, phrase)
        return best

    def match(self, alternatives: Sequence[str]) -> IntentResult:
        """`alternatives` best first (Vosk order); every one is scored, by phrases and by concepts,
        and the best one by the statistical model where the screen has one."""
        phrase = self.match_phrases(alternatives)
        if self._concepts is None or not self._concepts.intents or not alternatives:
            return phrase
        concepts = self.concept_scores(alternatives)
        result = self._combine(phrase, alternatives, concepts)
        model = self.model()
        if model is None:
            return result
        return _blend(result, model.probabilities(alternatives[0]), concepts)

    def model(self) -> IntentModel | None:
        """The statistical model for this screen: only where it knows every intent the screen offers
        and the screen offers every intent it knows (the home screen), else None."""
        if not self._use_model:
            return None
        model = self._model if self._model is not None else intent_model()
        if model is None or set(model.classes) - {NONE} != self._intents:
            return None
        return model

    def concept_scores(self, alternatives: Sequence[str]) -> ConceptScores:
        """Concept scores over all alternatives (a lower-ranked one counts a little less)."""
        assert self._concepts is not None
        merged = ConceptScores()
        for rank, text in enumerate(alternatives):
            scored = self._concepts.score(text)
            weight = 1.0 if rank == 0 else ALTERNATIVE_WEIGHT
            if rank == 0:
                merged.greeting, merged.length, merged.matches = (
                    scored.greeting,
                    scored.length,
                    scored.matches,
                )
                merged.units, merged.best = scored.units, dict(scored.scores)
                merged.exact, merged.broadcast = dict(scored.exact), scored.broadcast
                merged.topic_only, merged.chitchat = set(scored.topic_only), scored.chitchat
                merged.cancelled = set(scored.cancelled)
                merged.frames, merged.requests = dict(scored.frames), dict(scored.requests)
            merged.negated |= scored.negated
            for intent, score in scored.scores.items():
                merged.scores[intent] = max(merged.scores.get(intent, 0.0), score * weight)
        return merged

    def _combine(self, phrase: IntentResult, alternatives: Sequence[str], raw: ConceptScores) -> IntentResult:
        heard = alternatives[0]
        concepts = self._commands_in_context(raw, heard)
        concepts = self._resolve_competition(concepts)
        ranked = concepts.ranked()
        scored = [
            Scored(i, s, heard, " ".join(m.word for m in concepts.matches if m.intent == i))
            for i, s in ranked
        ]
        others = [(i, s) for i, s in ranked if i != HELP]
        help_score = concepts.scores.get(HELP, 0.0)
        # help said only to deny it, beside a clear request ("今天没啥不舒服的，都挺好"): the request
        denied = (
            help_score < HELP_FLOOR
            and HELP in concepts.negated
            and not concepts.broadcast
            and bool(others)
            and others[0][1] >= CONCEPT_ACT
            and others[0][1] - max((s for _, s in others[1:]), default=0.0) >= CONCEPT_MARGIN
        )
        if not denied and (help_score >= HELP_FLOOR or HELP in concepts.negated or phrase.intent == HELP):
            return self._help(phrase, concepts, others, scored, heard)
        if concepts.broadcast:
            # a radio or television programme in the background: never an action (help is still asked)
            return IntentResult(None, 0.0, False, phrase.alternatives, heard)
        top, top_score = ranked[0] if ranked else (None, 0.0)
        # a command's words inside a sentence about something else do not compete with it: "说啥" in
        # "村里贴的告示说啥" asks what the notice says, not for the kiosk to repeat itself
        rivals = [
            s
            for i, s in others[1:]
            if top in COMMAND_INTENTS or i not in COMMAND_INTENTS or self._covers(concepts, i, heard)
        ]
        runner_up = max(rivals, default=0.0)
        short = concepts.length <= LONG_UTTERANCE
        if (top is None or top_score < CONCEPT_ACT) and (concepts.greeting or concepts.chitchat):
            # a greeting, or chit-chat with the kiosk ("你几岁了呀"): tell the resident what can be said
            return IntentResult(None, 0.0, False, phrase.alternatives, heard, hint="greeting")
        if top is not None and top_score >= CONCEPT_ACT and top_score - runner_up >= CONCEPT_MARGIN:
            # a phrase match elsewhere only counts against the concepts if it covers most of what was
            # said ("没问题" inside "我身体没问题很好" is not a yes)
            # …nor if it was only fuzzy (响一点 sounds like 慢一点; the concept word is exact)
            agrees = (
                phrase.intent in (None, top)
                or not phrase.acts
                or self._partial(phrase, heard)
                or (phrase.alternatives[0].score < 1.0 if phrase.alternatives else True)
            )
            confidence = min(1.0, top_score / (CONCEPT_ACT + CONCEPT_MARGIN))
            covered = top not in COMMAND_INTENTS or self._covers(concepts, top, heard)
            # only a lower-ranked Vosk alternative says so: ask first
            from_best = concepts.best.get(top, 0.0) >= CONCEPT_ACT
            sure = agrees and short and covered and from_best
            return IntentResult(top, round(confidence, 4), not sure, scored, heard)
        if (
            phrase.acts
            and phrase.intent in concepts.negated | concepts.cancelled
            and phrase.intent not in concepts.scores
        ):
            # 我不是来开证明的; "没电了" said of a phone (手机没电了) is no power cut
            return IntentResult(None, phrase.confidence, False, phrase.alternatives, heard)
        if phrase.acts:
            # another intent's words as strong as asking needs: a phrase alone does not settle it
            rival = any(s >= CONCEPT_FLOOR for i, s in ranked if i != phrase.intent)
            # the phrase heard only as an everyday word in its sound ("同志" for 通知): asked about
            own = [m for m in concepts.matches if m.intent == phrase.intent]
            everyday = bool(own) and all(
                not m.written and zh_word_frequency("".join(concepts.units[m.start : m.end])) >= COMMON_WORD
                for m in own
            )
            return replace(phrase, confirm=rival or not short or everyday)
        if top is not None and top_score >= CONCEPT_FLOOR:
            return IntentResult(top, round(min(1.0, top_score / 2), 4), True, scored, heard)
        if phrase.intent is None and concepts.greeting:
            return replace(phrase, hint="greeting")
        if phrase.intent is not None and concepts.length > SHORT_UTTERANCE and not concepts.scores:
            # a fuzzy phrase somewhere in a sentence that names no concept at all: chat, not a request
            return IntentResult(None, phrase.confidence, False, phrase.alternatives, heard)
        return phrase

    def _resolve_competition(self, concepts: ConceptScores) -> ConceptScores:
        """Two intents named in one utterance, where one only says what the other is about: an intent
        named only by topic words beside another intent's own request words does not compete
        ("我的证明开好了没" asks about a request; "停水的通知出来没" asks for a notice), a question
        frame ("…出来没") belongs to the intent whose own words name what is asked about, and an intent
        outranked by another said with it (concept table `outranks`) is only part of that one."""
        scores = dict(concepts.scores)
        asked_about = [
            i
            for i, s in concepts.requests.items()
            if s >= FRAME_YIELDS and i not in COMMAND_INTENTS and i != HELP
        ]
        for intent, added in concepts.frames.items():
            if any(other != intent for other in asked_about):
                scores[intent] = max(0.0, scores[intent] - added)  # "停水的通知出来没": the notice's
        requests = [
            i
            for i, s in scores.items()
            if s >= CONCEPT_ACT and i not in concepts.topic_only and i not in COMMAND_INTENTS and i != HELP
        ]
        for intent in concepts.topic_only:
            if intent != HELP and any(r != intent for r in requests):
                scores[intent] = min(scores[intent], TOPIC_CAP)
        assert self._concepts is not None
        for strong, weaker in self._concepts.outranks.items():
            if scores.get(strong, 0.0) >= CONCEPT_ACT:
                for intent in weaker:
                    if intent in scores:
                        scores[intent] = min(scores[intent], TOPIC_CAP)
        return replace(concepts, scores=scores)

    def _commands_in_context(self, concepts: ConceptScores, heard: str) -> ConceptScores:
        """A command's words that are only a small part of what was said are weak evidence ("可以" in
        "今年收成还可以吧", "没问题" in "我身体没问题很好"); so is a yes or no said with another
        command ("不对，返回" asks to go back). Such scores are capped under the floor."""
        scores = dict(concepts.scores)
        other_command = any(s >= CONCEPT_ACT for i, s in scores.items() if i in COMMAND_INTENTS - ANSWERS)
        # a command word across the segmentation's boundaries is part of another word (好的 in 挺好|的)
        whole = {m.intent for m in concepts.matches if not m.straddles}
        for intent, score in scores.items():
            if intent in COMMAND_INTENTS and (
                (intent in ANSWERS and other_command)
                or intent not in whole
                or not self._covers(concepts, intent, heard)
            ):
                scores[intent] = min(score, WEAK_COMMAND)
        return replace(concepts, scores=scores)

    def _covers(self, concepts: ConceptScores, intent: str, heard: str) -> bool:
        """A global command acts only when its words are most of what was said: "回去" in
        "买点菜回去" is about going home from the market, not the back button."""
        # words of any command count as the command's ("太快了听不懂": a reason said with the command)
        commands = {intent} | (COMMAND_INTENTS if intent in COMMAND_INTENTS else set())
        spans = {i for m in concepts.matches if m.intent in commands for i in range(m.start, m.end)}
        particles = COMMAND_PARTICLES.get(self.locale[:2], frozenset())
        joined = "".join(concepts.units)
        framed = {
            i
            for frame in COMMAND_FRAMES.get(self.locale[:2], ())
            for at in _starts(joined, frame)
            for i in range(at, at + len(frame))
        }
        # content: what is not a particle, plus the command's own words ("再说一遍" is all frame words)
        content = [
            u
            for u in range(concepts.length)
            if u in spans or (concepts.units[u] not in particles and u not in framed)
        ]
        return len([u for u in content if u in spans]) > COMMAND_COVERAGE * len(content)

    def _partial(self, phrase: IntentResult, heard: str) -> bool:
        """True when the phrase that matched covers less than 60 % of the utterance."""
        said = tokens(heard, self.locale)
        matched = tokens(phrase.alternatives[0].phrase, self.locale) if phrase.alternatives else ()
        return bool(said) and len(matched) < 0.6 * len(said)

    def _help(
        self,
        phrase: IntentResult,
        concepts: ConceptScores,
        others: list[tuple[str, float]],
        scored: list[Scored],
        heard: str,
    ) -> IntentResult:
        """A call for help reaches help_call: at once, or with one question when another intent
        competes or the help words were negated ("我没有摔倒")."""
        rival = (
            any(score >= COMPETES for _, score in others)
            or (concepts.exact.get(HELP, 0.0) < HELP_FLOOR and not (phrase.acts and phrase.intent == HELP))
            or concepts.broadcast
            or (phrase.acts and phrase.intent not in (None, HELP))
            or (concepts.best.get(HELP, 0.0) < HELP_FLOOR and phrase.intent != HELP)  # only an alternative
        )
        negated = HELP in concepts.negated and concepts.scores.get(HELP, 0.0) < HELP_FLOOR
        confidence = max(concepts.scores.get(HELP, 0.0), phrase.confidence if phrase.intent == HELP else 0.0)
        if not any(s.intent == HELP for s in scored):
            scored = [Scored(HELP, confidence, heard, ""), *scored]
        return IntentResult(HELP, round(min(1.0, confidence), 4), rival or negated, scored, heard)

    def match_phrases(self, alternatives: Sequence[str]) -> IntentResult:
        """Phrase evidence only: the screen's catalogue phrases, exactly or fuzzily."""
        best: dict[str, Scored] = {}
        for rank, text in enumerate(alternatives):
            for intent, scored in self._best_per_intent(
                text, 1.0 if rank == 0 else ALTERNATIVE_WEIGHT
            ).items():
                if intent not in best or scored.score > best[intent].score:
                    best[intent] = scored
        ranked = sorted(best.values(), key=lambda s: s.score, reverse=True)[:5]
        heard = alternatives[0] if alternatives else ""
        if not ranked or ranked[0].score < FLOOR:
            return IntentResult(None, ranked[0].score if ranked else 0.0, False, ranked, heard)
        top = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        margin = top.score - runner_up
        confirm = top.score < ACT_THRESHOLD or margin < MARGIN or self._ambiguous(top.intent, alternatives)
        confidence = top.score * min(1.0, 0.5 + margin / (2 * MARGIN))
        return IntentResult(top.intent, round(confidence, 4), confirm, ranked, heard)

    def _ambiguous(self, intent: str, alternatives: Sequence[str]) -> bool:
        """Ask rather than act when the best hypothesis names another intent too, or the
        best-ranked Vosk alternative points elsewhere."""
        if not alternatives:
            return False
        spans = self._spans(tokens(alternatives[0], self.locale))
        named = {
            i for a, b, i in spans if not any(c <= a and b <= d and (c, d) != (a, b) for c, d, _ in spans)
        }
        if named - {intent}:
            return True
        first = self._best_per_intent(alternatives[0], 1.0)
        return bool(first) and max(first.values(), key=lambda s: s.score).intent != intent

    def _spans(self, said: tuple[str, ...]) -> list[tuple[int, int, str]]:
        """Exact occurrences (start, end, intent) of every phrase in the utterance."""
        return [(a, b, i) for i, _, toks in self._phrases if toks for a, b in _occurrences(said, toks)]

    def match_text(self, text: str) -> IntentResult:
        return self.match([text])

    def intent_of(self, text: str) -> str | None:
        """The intent one hypothesis on its own points to (None below the floor)."""
        best = self._best_per_intent(text, 1.0)
        if not best:
            return None
        top = max(best.values(), key=lambda s: s.score)
        return top.intent if top.score >= FLOOR else None


def _blend(rules: IntentResult, probabilities: Mapping[str, float], concepts: ConceptScores) -> IntentResult:
    """The rules' decision, adjusted by the statistical model's probabilities — conservatively:

    - a call for help the rules found stays (acting or asking); when the model is sure the speech is
      nothing at all ("坐这儿喘口气歇会儿"), an action becomes one question — never dropped;
    - the model may add a call for help: likely (≥ MODEL_HELP_ASK) → asked about (never acted on
      by the model alone), whatever else;
    - greetings, chit-chat and radio or television stay as the rules left them;
    - a rule action the model is sure is something else (or nothing) is asked about instead;
    - a rule "ask" or "nothing" becomes the model's action only when it is confident, the rules
      do not point to another intent (their question, or concept words of another intent as strong
      as asking needs, or that intent's words negated or given another meaning: 手机没电了), and the
      answer is not yes/no (the model never answers the kiosk's question).
    """
    top = max(probabilities, key=lambda c: probabilities[c])
    sure = probabilities[top]
    help_p = probabilities.get(HELP, 0.0)
    confidence = round(sure, 4)
    if rules.intent == HELP:
        if rules.acts and top == NONE and sure >= MODEL_DISAGREE:
            return replace(rules, confirm=True)
        return rules
    if help_p >= MODEL_HELP_ASK:
        help_scored = Scored(HELP, help_p, rules.text, "")
        return IntentResult(HELP, round(help_p, 4), True, [help_scored, *rules.alternatives], rules.text)
    if rules.hint or concepts.broadcast:
        return rules
    if rules.acts:
        if top != rules.intent and sure >= (MODEL_DISAGREE if top == NONE else MODEL_DISAGREE_OTHER):
            return replace(rules, confirm=True)  # the two disagree: ask, never act
        return rules
    if top == NONE or top in ANSWERS or rules.intent not in (None, top):
        return rules
    if top in concepts.negated | concepts.cancelled:
        return rules  # the rules heard it denied (我不是来开证明的) or meant otherwise (手机没电了)
    long = concepts.length > LONG_UTTERANCE
    if rules.intent == top and sure >= MODEL_ACT and (not long or sure >= MODEL_ACT_LONG):
        return replace(rules, confidence=max(rules.confidence, confidence), confirm=False)
    if (
        rules.intent is None
        and sure >= MODEL_ACT
        and not long
        and not any(s >= CONCEPT_FLOOR for i, s in concepts.scores.items() if i != top)
    ):
        return IntentResult(top, confidence, False, [Scored(top, sure, rules.text, "")], rules.text)
    return rules


def _starts(text: str, word: str) -> list[int]:
    return [i for i in range(len(text) - len(word) + 1) if text.startswith(word, i)]


def _occurrences(text: Sequence[str], phrase: Sequence[str]) -> list[tuple[int, int]]:
    n = len(phrase)
    return [(i, i + n) for i in range(len(text) - n + 1) if tuple(text[i : i + n]) == tuple(phrase)]


def _nested_only(phrase: Sequence[str], said: Sequence[str], spans: list[tuple[int, int, str]]) -> bool:
    """True when every exact occurrence of `phrase` sits strictly inside a longer matched phrase."""
    own = _occurrences(said, phrase)
    return bool(own) and all(
        any(c <= a and b <= d and (d - c) > (b - a) for c, d, _ in spans) for a, b in own
    )
