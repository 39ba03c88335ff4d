"""Concept scoring: what an utterance is *about*, from weighted concept words in the catalogue data.

The tables live in assets/catalogue/concepts/<locale>.toml (see the header there). For an utterance
the scorer finds every concept word it mentions — Chinese by characters or by dialect-folded pinyin
over jieba words, Korean over words with particles and endings stripped, English over stemmed words —
drops matches that sit inside a longer match of another intent, cancels concepts right after a
negation word, and sums per intent the weight of each concept mentioned (each concept once).

It is Qt-free and deterministic; `voice.matcher.IntentMatcher` turns the scores into a decision.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from models.catalogue import CATALOGUE_DIR
from voice.segment import add_words, en_words, ko_stem, ko_words, zh_word_frequency, zh_words
from voice.textnorm import fold_syllable, strip_unk

CONCEPTS_DIR = CATALOGUE_DIR / "concepts"
STRADDLE_QUALITY = 0.75  # a word across a jieba word boundary (挺好 in 挺|好看) is weaker evidence
PINYIN_QUALITY = 0.9  # a near-homophone (equal only after dialect folding) is a little weaker evidence
# an everyday word this frequent in jieba's dictionary is itself, not an ASR near-homophone of a concept
# word (几岁 is not 积水, 一直 is not 椅子); exact homophones (反应 for 反映) still count
COMMON_WORD = 100
# words that may stand between a negation and what it negates: 不想申请补贴, 不用去体检, don't want help
BRIDGES = frozenset({
    "想", "要", "用", "需要", "能", "会", "去", "再", "是", "申请", "办", "领", "给我", "帮我", "找",
    "want", "need", "to", "a", "any", "the", "来", "什么", "啥", "任何", "啥子",
})  # fmt: skip
SCORE_CAP = 2.5
HELP = "help_call"
BROADCAST = "(broadcast)"  # not an intent: the register of radio and television (see `broadcast`)


class ConceptError(ValueError):
    """A concepts file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Concept:
    intent: str
    index: int  # position within its intent: a concept counts once however many words match
    weight: float
    words: tuple[str, ...]
    # parts of one meaning: concepts sharing a `pair` name count only when two of them are said
    # ("胸口" + "闷", "床上" + "掉下来"); alone each is nothing ("家里闷得很", "两口子去医院")
    pair: str = ""
    # words that reach their intent but are never enough to act on alone: said in a sentence they are
    # often a figure of speech ("热得受不了"), so the kiosk asks once
    ask: bool = False
    # words that name what an utterance is about, not what to do with it (证明, 垃圾, 停水): when another
    # intent's own words say what is wanted ("我的证明开好了没", "停水的通知出来没"), an intent named only
    # by its topic words does not compete (see `ConceptScores.topic_only`)
    topic: bool = False
    # said anywhere in the utterance, these make the concept mean something else ("摔了" with 碗: a
    # broken bowl, not a fall; "没电" with 手机: a flat phone, not a power cut)
    unless: tuple[str, ...] = ()
    # a question about something named beside it ("…出来没", "…是哪天"): it belongs to its own intent
    # (我的办件: "我的证明开出来没") only when no other intent's own words name what is asked about
    # ("停水的通知出来没" asks for a notice); see `ConceptScores.frames`
    frame: bool = False


@dataclass(frozen=True)
class ConceptTable:
    locale: str
    concepts: tuple[Concept, ...]
    negation: tuple[str, ...] = ()
    greeting: tuple[str, ...] = ()
    # everyday words that fold to the same pinyin as a concept word but mean something else (意思 is
    # not 议事): written exactly so, they never count as its homophone
    not_homophones: tuple[str, ...] = ()
    # words a free-speech screen's grammar also offers the decoder (endings and little words people
    # wrap their request in); see `grammar_words`
    grammar_words: tuple[str, ...] = ()
    stems: tuple[str, ...] = ()  # concept words that are only a stem (쓰러): never offered to the grammar
    # intent → its opposite: a negated concept of the one is evidence for the other (不对头 is a no,
    # not a cancelled yes)
    opposites: tuple[tuple[str, str], ...] = ()
    # the register of radio and television ("欢迎收听", "观众朋友们", "新闻联播"): speech with these words
    # is a programme in the background, not a resident asking, so it never acts
    broadcast: tuple[str, ...] = ()
    # chit-chat addressed to the kiosk ("你几岁了", "食咗饭未"): nothing to do, a hint of what can be said
    chitchat: tuple[str, ...] = ()
    # forms of address said around a greeting ("您好啊同志"): the utterance is still only a greeting
    address: tuple[str, ...] = ()
    # common words that ASR writes for a concept word of the same sound (反应 for 反映): they count as it
    asr_homophones: tuple[str, ...] = ()
    # intent → intents it outranks when both are said: "回去最上面那个页" names where to go (首页), and
    # 回去 is only how; a call for help with a doctor's visit is one request ("腿摔了给我约个看病的")
    outranks: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def intents(self) -> frozenset[str]:
        return frozenset(c.intent for c in self.concepts)


@dataclass(frozen=True)
class Match:
    intent: str
    concept: int
    start: int
    end: int
    quality: float
    word: str
    written: bool = True  # the characters themselves, not a homophone
    straddles: bool = False  # across the segmentation's word boundaries (好的 in 挺好|的)
    topic: bool = False  # the concept only names what the utterance is about (see `Concept.topic`)


@dataclass
class ConceptScores:
    scores: dict[str, float] = field(default_factory=dict)
    negated: set[str] = field(default_factory=set)  # intents with a concept cancelled by negation
    matches: list[Match] = field(default_factory=list)
    greeting: bool = False  # the utterance is only a greeting
    broadcast: bool = False  # it has the words of a radio or television programme (欢迎收听, 本台记者)
    length: int = 0  # characters (zh, ko) or words (en) said, fillers included
    units: tuple[str, ...] = ()  # those characters or words (match spans index them)
    best: dict[str, float] = field(default_factory=dict)  # scores of the best alternative alone
    # scores from written words only (no homophone, no word split across the segmentation): a call
    # for help heard only as a homophone (就命 ≈ 救命, 那我 ≈ 拉我) is asked about, not acted on
    exact: dict[str, float] = field(default_factory=dict)
    # intents named only by topic words (证明 in "我的证明开好了没"): see `Concept.topic`
    topic_only: set[str] = field(default_factory=set)
    chitchat: bool = False  # it has the words of chit-chat addressed to the kiosk (你几岁了)
    # intents whose words were said with a word that gives them another meaning (`Concept.unless`)
    cancelled: set[str] = field(default_factory=set)
    frames: dict[str, float] = field(default_factory=dict)  # per intent, what its `frame` words add
    # per intent, what its own request words add (neither topic nor frame words)
    requests: dict[str, float] = field(default_factory=dict)

    def ranked(self) -> list[tuple[str, float]]:
        return sorted(self.scores.items(), key=lambda item: item[1], reverse=True)


def _locale_file(locale: str) -> str:
    return "zh_CN" if locale.startswith("zh") else ("ko" if locale.startswith("ko") else "en")


def parse_table(raw: dict[str, object], locale: str, where: str) -> ConceptTable:
    concepts: list[Concept] = []
    for intent, entries in raw.items():
        if intent in _LISTS:
            continue
        if not isinstance(entries, list):
            raise ConceptError(f"{where}: [[{intent}]] must be an array of tables")
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("words"), list):
                raise ConceptError(f"{where}: {intent}[{index}] needs a `words` list")
            weight = float(entry.get("weight", 1.0))
            if not 0 < weight <= 2:
                raise ConceptError(f"{where}: {intent}[{index}] weight {weight} outside (0, 2]")
            words = tuple(unicodedata.normalize("NFC", str(w)).strip() for w in entry["words"])
            pair, ask = entry.get("pair", ""), entry.get("ask", False)
            topic, frame = entry.get("topic", False), entry.get("frame", False)
            if not isinstance(pair, str) or not all(isinstance(v, bool) for v in (ask, topic, frame)):
                raise ConceptError(
                    f"{where}: {intent}[{index}] `pair` must be a name, `ask`, `topic` and `frame` true"
                    " or false"
                )
            unless = entry.get("unless", [])
            if not isinstance(unless, list) or not all(isinstance(w, str) and w for w in unless):
                raise ConceptError(f"{where}: {intent}[{index}] `unless` must be a list of words")
            concepts.append(
                Concept(
                    intent,
                    index,
                    weight,
                    tuple(w for w in words if w),
                    pair,
                    ask,
                    topic,
                    tuple(unless),
                    frame,
                )
            )
    return ConceptTable(
        locale,
        tuple(concepts),
        _word_list(raw, "negation", where),
        _word_list(raw, "greeting", where),
        _word_list(raw, "not_homophones", where),
        _word_list(raw, "grammar_words", where),
        _word_list(raw, "stems", where),
        _opposites(raw, where),
        _word_list(raw, "broadcast", where),
        chitchat=_word_list(raw, "chitchat", where),
        address=_word_list(raw, "address", where),
        asr_homophones=_word_list(raw, "asr_homophones", where),
        outranks=_outranks(raw, where),
    )


# top-level keys of a concepts file that are not intents
_LISTS = frozenset({
    "negation", "greeting", "not_homophones", "grammar_words", "stems", "opposites", "broadcast",
    "chitchat", "outranks", "address", "asr_homophones",
})  # fmt: skip


def _outranks(raw: dict[str, object], where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = raw.get("outranks", {})
    if not isinstance(value, dict) or not all(
        isinstance(v, list) and all(isinstance(i, str) for i in v) for v in value.values()
    ):
        raise ConceptError(f"{where}: `outranks` must map an intent to a list of intents")
    return tuple((str(k), tuple(v)) for k, v in value.items())


def _opposites(raw: dict[str, object], where: str) -> tuple[tuple[str, str], ...]:
    value = raw.get("opposites", {})
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConceptError(f"{where}: `opposites` must map an intent to its opposite intent")
    return tuple((str(k), str(v)) for k, v in value.items())


def _word_list(raw: dict[str, object], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise ConceptError(f"{where}: `{key}` must be a list of words")
    return tuple(str(w) for w in value)


@cache
def concept_table(locale: str, directory: Path = CONCEPTS_DIR) -> ConceptTable:
    """The bundled concept table for a locale (empty when the locale has none)."""
    name = _locale_file(locale)
    path = directory / f"{name}.toml"
    if not path.is_file():
        return ConceptTable(name, ())
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConceptError(f"{path.name}: {exc}") from None
    return parse_table(raw, name, path.name)


def grammar_words(locale: str, intents: Iterable[str]) -> tuple[str, ...]:
    """Extra grammar phrases for a free-speech screen, for locales whose concept file lists
    `grammar_words` (Korean): every concept word of the screen's intents plus those words.

    Why: Vosk can only emit grammar words. With the catalogue phrases alone, a resident's own
    "공지 있어요" or "넘어졌어요" has no words to come out as, and the decoder stitches other phrases
    together instead; offering the concept words and the common endings lets it write what was said,
    and the concept layer then finds the meaning. Empty for locales without the list."""
    table = concept_table(locale)
    if not table.grammar_words:
        return ()
    offered = set(intents)
    # whole words of two syllables or more only: stems (쓰러, 받) and one-syllable words became cheap
    # filler for the decoder and pushed out the catalogue's own phrases ("증명서 발급" came out as
    # "지내 위험 쓰러 받" on the tuning half)
    words = [
        w
        for c in table.concepts
        if c.intent in offered
        for w in c.words
        if len(w.replace(" ", "")) >= 2 and w not in table.stems
    ]
    return tuple(dict.fromkeys([*words, *table.grammar_words]))


# ---- per-locale views of an utterance ------------------------------------------------------------


@dataclass(frozen=True)
class _View:
    """An utterance as units (characters for zh/ko, words for en) plus word boundaries."""

    units: tuple[str, ...]
    folded: tuple[str, ...]  # zh: folded pinyin per character; others: the units again
    words: tuple[tuple[int, int], ...]  # (start, end) unit spans of the segmenter's words
    plain: tuple[str, ...] = ()  # zh: toneless pinyin per character before dialect folding

    def word_set(self) -> set[tuple[int, int]]:
        return set(self.words)

    def starts(self) -> set[int]:
        return {a for a, _ in self.words}

    def ends(self) -> set[int]:
        return {b for _, b in self.words}


def _is_hanzi(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


@cache
def _plain(ch: str) -> str:
    """One character's toneless pinyin (the character itself when it has none)."""
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(ch, errors="ignore")
    return syllables[0] if syllables else ch


@cache
def _pinyin(ch: str) -> str:
    plain = _plain(ch)
    return fold_syllable(plain) if plain != ch else ch


def _zh_view(text: str) -> _View:
    words = zh_words(strip_unk(text))
    units: list[str] = []
    spans: list[tuple[int, int]] = []
    for word in words:
        start = len(units)
        units.extend(word)
        spans.append((start, len(units)))
    folded = tuple(_pinyin(ch) if _is_hanzi(ch) else ch for ch in units)
    plain = tuple(_plain(ch) if _is_hanzi(ch) else ch for ch in units)
    return _View(tuple(units), folded, tuple(spans), plain)


def _ko_view(text: str) -> _View:
    units: list[str] = []
    spans: list[tuple[int, int]] = []
    for word in ko_words(strip_unk(text)):
        start = len(units)
        units.extend(word)
        spans.append((start, len(units)))
    return _View(tuple(units), tuple(units), tuple(spans))


def _en_view(text: str) -> _View:
    words = en_words(strip_unk(text))
    return _View(words, words, tuple((i, i + 1) for i in range(len(words))))


def _view(text: str, locale: str) -> _View:
    if locale.startswith("zh"):
        return _zh_view(text)
    if locale.startswith("ko"):
        return _ko_view(text)
    return _en_view(text)


def _word_units(word: str, locale: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A concept word as (units, folded units) in the same form as the utterance view."""
    if locale.startswith("zh"):
        units = tuple(word)
        return units, tuple(_pinyin(ch) if _is_hanzi(ch) else ch for ch in units)
    if locale.startswith("ko"):
        units = tuple("".join(ko_stem(w) for w in word.split()))
        return units, units
    units = en_words(word)
    return units, units


def _find(haystack: tuple[str, ...], needle: tuple[str, ...]) -> list[int]:
    n = len(needle)
    if n == 0:
        return []
    return [i for i in range(len(haystack) - n + 1) if haystack[i : i + n] == needle]


# one-character concept words may carry one of these inside a jieba word (脏得, 堵了, 大坑)
_SUFFIXES = frozenset("得了的死着住啦")
_PREFIXES = frozenset("大小有")


def _fits_words(view: _View, start: int, end: int) -> bool:
    """Does a match respect the segmentation? One character must be a word of its own (or with a
    particle: 脏得, 大坑) — 开 is not in 开门; a longer word must not straddle a word boundary
    (挺好 is not in 挺|好看), but may sit inside one longer word (紧急 in 紧急情况)."""
    if end - start == 1:
        for a, b in view.words:
            if a <= start < b:
                rest = view.units[a:start] + view.units[end:b]
                return len(rest) == 0 or (
                    len(rest) == 1 and (rest[0] in _SUFFIXES if a == start else rest[0] in _PREFIXES)
                )
        return False
    inside = any(a <= start and end <= b for a, b in view.words)
    crossing = any(a < start < b or a < end < b for a, b in view.words)
    return inside or not crossing


# said around a greeting, these leave it a greeting ("你好啊", "您好您好")
_GREETING_PARTICLES = frozenset("啊呀哦嘛哈啦呐")


def _bare(units: tuple[str, ...], address: tuple[str, ...] = ()) -> str:
    """An utterance without particles or forms of address and with a repeated greeting said once:
    "您好您好" → "您好", "哎您好啊同志" → "您好"."""
    text = "".join(u for u in units if u not in _GREETING_PARTICLES) or "".join(units)
    for word in address:
        text = text.replace(word, "") or text
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def _part_of(intent: str, start: int, end: int, matches: list[Match]) -> bool:
    """Is the span covered by a concept word of `intent`?"""
    return any(m.intent == intent and m.start <= start and end <= m.end for m in matches)


class ConceptScorer:
    """Scores utterances against the concept table of one locale, limited to `intents`."""

    def __init__(self, table: ConceptTable, intents: Iterable[str] | None = None) -> None:
        allowed = None if intents is None else set(intents)
        self.table = table
        self.locale = table.locale
        self._words: list[tuple[Concept, str, tuple[str, ...], tuple[str, ...]]] = []
        for concept in table.concepts:
            if allowed is not None and concept.intent not in allowed:
                continue
            for word in concept.words:
                units, folded = _word_units(word, self.locale)
                if units:
                    self._words.append((concept, word, units, folded))
        self._by_unit: dict[str, list[int]] = {}
        self._by_syllable: dict[str, list[int]] = {}  # words of two or more characters, by first syllable
        for index, (_, _, units, folded) in enumerate(self._words):
            self._by_unit.setdefault(units[0], []).append(index)
            if len(units) > 1:
                self._by_syllable.setdefault(folded[0], []).append(index)
        self._negation = [_word_units(w, self.locale)[0] for w in table.negation]
        self._greeting = {"".join(_word_units(w, self.locale)[0]) for w in table.greeting}
        self._opposites = dict(table.opposites)
        self._concepts = {(c.intent, c.index): c for c in table.concepts}
        self._broadcast = [(w, _word_units(w, self.locale)[0]) for w in table.broadcast]
        self._not_homophones = frozenset(table.not_homophones)
        self._negatives = frozenset(self._opposites.values())
        self.outranks = {strong: weaker for strong, weaker in table.outranks}
        self._plain = [
            tuple(_plain(ch) if _is_hanzi(ch) else ch for ch in units) for _, _, units, _ in self._words
        ]
        if self.locale.startswith("zh"):
            add_words([w for _, w, _, _ in self._words] + list(table.negation) + list(table.broadcast))

    @property
    def intents(self) -> frozenset[str]:
        return frozenset(c.intent for c, _, _, _ in self._words)

    def _hits(self, view: _View) -> dict[int, list[tuple[int, bool, float]]]:
        """Where each concept word (by its index in `_words`) occurs, as (start, written, quality):
        written, or — for a word of more than one character not written anywhere — as a homophone.
        An exact homophone heard as one word (the same toneless pinyin: 通志 for 通知, 不贴 for 补贴) is
        as good as the word; one made of several words (钱|到 ≈ 签到), one that is an everyday word
        itself (同志), or one equal only after dialect folding is a little weaker — and a folded one
        that is an everyday word counts for nothing (几岁 is not 积水). Looked up by first unit, so a
        match costs what the utterance's length does, not what the tables' size does."""
        exact: dict[int, list[tuple[int, bool, float]]] = {}
        for start, unit in enumerate(view.units):
            for index in self._by_unit.get(unit, ()):
                units = self._words[index][2]
                if view.units[start : start + len(units)] == units:
                    exact.setdefault(index, []).append((start, True, 1.0))
        if not self.locale.startswith("zh"):
            return exact
        homophones: dict[int, list[tuple[int, bool, float]]] = {}
        for start, syllable in enumerate(view.folded):
            for index in self._by_syllable.get(syllable, ()):
                units, folded = self._words[index][2], self._words[index][3]
                if index in exact or view.folded[start : start + len(folded)] != folded:
                    continue
                said = "".join(view.units[start : start + len(units)])
                if said in self._not_homophones:
                    continue
                same_sound = view.plain[start : start + len(units)] == self._plain[index]
                # an everyday word in a concept word's sound is itself (几岁 is not 积水) — or, when the
                # sound is exactly the same, perhaps the concept word (同志 for 通知: asked about);
                # ASR's known spellings (反应 for 反映) count in full
                common = zh_word_frequency(said) >= COMMON_WORD and said not in self.table.asr_homophones
                if same_sound and not common and (start, start + len(units)) in view.words:
                    homophones.setdefault(index, []).append((start, False, 1.0))
                elif same_sound or not common:
                    homophones.setdefault(index, []).append((start, False, PINYIN_QUALITY))
        return {**homophones, **exact}

    def _matches(self, view: _View, cancelled: set[str] | None = None) -> list[Match]:
        found: list[Match] = []
        joined = "".join(view.units)
        for index, hits in sorted(self._hits(view).items()):
            concept, word, units, _ = self._words[index]
            if any(other in joined for other in concept.unless):
                if cancelled is not None:
                    cancelled.add(concept.intent)
                continue  # said with a word that gives it another meaning (摔了 with 碗)
            for start, written, quality in hits:
                end = start + len(units)
                straddles = False
                if not written and not (start in view.starts() and end in view.ends()):
                    continue  # a homophone across or inside words (肿了 in 初中|了, 院子 in 菜园子) is none
                if self.locale.startswith("zh") and not _fits_words(view, start, end):
                    if len(units) == 1:
                        continue
                    quality *= STRADDLE_QUALITY  # jieba may have cut wrongly (上|回报|的): weaker evidence
                    straddles = True
                found.append(
                    Match(
                        concept.intent, concept.index, start, end, quality, word, written, straddles,
                        concept.topic,
                    )
                )  # fmt: skip
        # broadcast words take part in the overlap rule below (新闻联播 is not 新闻 → 通知公告)
        for word, units in self._broadcast:
            found += [Match(BROADCAST, -1, s, s + len(units), 1.0, word) for s in _find(view.units, units)]
        # overlapping matches of different intents: the longer one wins (打扫卫生 over 卫生), and a word
        # as written wins over a homophone of another word in the same place (嗓门 is not 上门)
        kept = [
            m
            for m in found
            if not any(
                o.intent != m.intent
                and o.start <= m.start
                and m.end <= o.end
                and ((o.end - o.start) > (m.end - m.start) or (o.written and not m.written))
                for o in found
            )
        ]
        return kept

    def _negated(self, match: Match, view: _View, covered: list[Match]) -> bool:
        """A negation word stands right before the concept, or with only bridge words between
        (不要补贴, 不想申请补贴) — and is not itself part of a concept word, as 不 in 不舒服 or 没 in 没水
        are. "没问题，很好" does not negate 很好: 问题 is not a bridge."""
        for neg in self._negation:
            for start in _find(view.units, neg):
                end = start + len(neg)
                if end > match.start:
                    continue
                between = [(a, b) for a, b in view.words if end <= a and b <= match.start]
                if sum(b - a for a, b in between) != match.start - end or any(
                    "".join(view.units[a:b]) not in BRIDGES and not _part_of(match.intent, a, b, covered)
                    for a, b in between
                ):
                    continue  # (a word of the same request may stand between: 不是来开证明的)
                if start not in view.starts() or (len(neg) == 1 and (start, end) not in view.word_set()):
                    continue  # 没有 inside 有没有 is a question, not a negation
                if any(c.start <= start and end <= c.end and c.end - c.start > end - start for c in covered):
                    continue  # part of a longer concept word (不舒服), not a negation; 不要 itself still is
                return True
        return False

    def score(self, text: str) -> ConceptScores:
        view = _view(text, self.locale)
        result = ConceptScores(length=len(view.units), units=view.units)
        if not view.units:
            return result
        result.greeting = _bare(view.units, self.table.address) in self._greeting
        joined = "".join(view.units)
        result.chitchat = any(word in joined for word in self.table.chitchat)
        found = self._matches(view, result.cancelled)
        result.broadcast = any(m.intent == BROADCAST for m in found)
        # a negative answer is not cancelled by another negation word ("没有没有不是" is a no)
        negated = [
            m
            for m in found
            if m.intent not in (BROADCAST, *self._negatives) and self._negated(m, view, found)
        ]
        matches: list[Match] = []
        for match in found:
            if match.intent == BROADCAST:
                continue
            # a word inside a negated one is negated with it (证明 in 不是来开证明的)
            if any(
                n.intent == match.intent and n.start <= match.start and match.end <= n.end for n in negated
            ):
                opposite = self._opposites.get(match.intent)
                if opposite is None or opposite not in self.intents:
                    result.negated.add(match.intent)
                    continue
                match = replace(match, intent=opposite, concept=-1, topic=False)  # 不对头: a no
            matches.append(match)
        # both parts of a pair said: the words are that meaning, not another intent's word in the same
        # place (堵 in "心口堵得难受" is the chest, not a blocked drain)
        complete = self._complete_pairs(matches)
        paired = [m for m in matches if (m.intent, self._pair_of(m)) in complete]
        matches = [
            m
            for m in matches
            if not any(p.intent != m.intent and p.start <= m.start and m.end <= p.end for p in paired)
        ]
        complete = self._complete_pairs(matches)
        best: dict[tuple[str, int], float] = {}
        exact: set[tuple[str, int]] = set()
        for match in matches:
            key = (match.intent, match.concept)
            best[key] = max(best.get(key, 0.0), match.quality)
            if match.written:
                exact.add(key)
            result.matches.append(match)
        action: set[str] = set()  # intents with a word that says what is wanted, not only a topic
        for (intent, index), quality in best.items():
            concept = self._concepts.get((intent, index))
            if concept is not None and concept.pair and (intent, concept.pair) not in complete:
                continue  # one part of a pair said alone
            if concept is not None and concept.ask:
                exact.discard((intent, index))
            if concept is None or not concept.topic:
                action.add(intent)
            weight = concept.weight if concept is not None else 1.0  # (an opposite counts in full)
            result.scores[intent] = min(SCORE_CAP, result.scores.get(intent, 0.0) + weight * quality)
            kind = result.frames if concept is not None and concept.frame else result.requests
            if concept is None or not concept.topic:
                kind[intent] = kind.get(intent, 0.0) + weight * quality
            if (intent, index) in exact:
                result.exact[intent] = min(SCORE_CAP, result.exact.get(intent, 0.0) + weight)
        result.topic_only = set(result.scores) - action
        return result

    def _pair_of(self, match: Match) -> str:
        concept = self._concepts.get((match.intent, match.concept))
        return concept.pair if concept is not None else ""

    def _complete_pairs(self, matches: list[Match]) -> set[tuple[str, str]]:
        """(intent, pair) of the pairs with two or more of their concepts said."""
        said: dict[tuple[str, str], set[int]] = {}
        for m in matches:
            if pair := self._pair_of(m):
                said.setdefault((m.intent, pair), set()).add(m.concept)
        return {key for key, concepts in said.items() if len(concepts) >= 2}
