"""Which intents a screen listens for: catalogue phrases per screen and locale, plus global commands.

Screen ids: `home` (every service), `<service_id>/<step_id>` (the options of a choose step), or any
other id (global commands only, e.g. `confirm`). Intent ids are catalogue ids, option ids and the
command ids of _commands.toml (back, home, help_call, repeat, louder, slower, yes, no).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from models.catalogue import Catalogue, bundled_catalogue, pick

IntentTable = dict[str, tuple[str, ...]]

HOME = "home"
# screens that invite free speech (the home screen, yes/no steps): a weak grammar result there is
# decoded again without a grammar and matched by meaning (see voice/recognizer.py, two passes)
FREE_SPEECH_SCREENS = frozenset({HOME, "confirm", "consent"})
COMMAND_IDS = ("back", "home", "help_call", "repeat", "louder", "slower", "yes", "no")


def _merge(table: IntentTable, intent: str, phrases: Sequence[str]) -> None:
    merged = list(table.get(intent, ()))
    merged.extend(p for p in phrases if p not in merged)
    if merged:
        table[intent] = tuple(merged)


def screen_intents(
    screen_id: str,
    locale: str,
    catalogue: Catalogue | None = None,
    extra_commands: Mapping[str, Sequence[str]] | None = None,
) -> IntentTable:
    """Intent id → phrases for one screen in one locale (global commands always included)."""
    cat = catalogue or bundled_catalogue()
    table: IntentTable = {}
    if screen_id == HOME:
        for service in cat.services:
            _merge(table, service.id, service.phrases(locale))
    elif "/" in screen_id:
        service_id, step_id = screen_id.split("/", 1)
        try:
            service = cat.get(service_id)
        except KeyError:
            raise ValueError(f"unknown screen {screen_id!r}: no service {service_id!r}") from None
        steps = [s for s in service.steps if s.id == step_id]
        if not steps:
            raise ValueError(f"unknown screen {screen_id!r}: no step {step_id!r}")
        for option in steps[0].options:
            _merge(table, option.id, option.voice.get(locale, ()))
    for intent, phrases in cat.command_phrases(locale).items():
        _merge(table, intent, phrases)
    for intent, extra in (extra_commands or {}).items():
        _merge(table, intent, extra)
    return table


def all_screen_ids(catalogue: Catalogue | None = None) -> list[str]:
    cat = catalogue or bundled_catalogue()
    ids = [HOME]
    for service in cat.services:
        ids.extend(f"{service.id}/{step.id}" for step in service.steps if step.options)
    return ids


def intent_label(intent: str, locale: str, catalogue: Catalogue | None = None) -> str:
    """A human name for an intent, used in the confirmation question."""
    cat = catalogue or bundled_catalogue()
    for service in cat.services:
        if service.id == intent:
            return pick(service.title, locale)
        for step in service.steps:
            for option in step.options:
                if option.id == intent:
                    return pick(option.label, locale)
    phrases = cat.command_phrases(locale).get(intent, ())
    return phrases[0] if phrases else intent
