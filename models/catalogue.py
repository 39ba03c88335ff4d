"""The service catalogue: services, their steps and voice phrases, loaded from assets/catalogue/*.toml.

The catalogue is data (docs/architecture.md, "where a change goes"): adding a service is adding a TOML
file. This module only parses and validates it; screens render it and the voice layer builds grammars
from it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

LOCALES: tuple[str, ...] = ("zh_CN", "en", "ko")
DEFAULT_LOCALE = "zh_CN"
STEP_KINDS = frozenset({"identify", "choose", "text", "date_slot", "photo", "consent", "confirm"})
SERVICE_KINDS = frozenset({"form", "screen", "urgent"})
CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "assets" / "catalogue"


class CatalogueError(ValueError):
    """A catalogue file is malformed; the message names the file and the field."""


Localized = dict[str, str]


def pick(text: Localized, locale: str) -> str:
    """The text in `locale`, falling back to Chinese (every entry has zh_CN)."""
    return text.get(locale) or text.get(DEFAULT_LOCALE, "")


@dataclass(frozen=True)
class Option:
    id: str
    label: Localized
    icon: str = "fa5s.circle"
    voice: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    kind: str
    id: str
    title: Localized = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    optional: bool = False
    max_length: int = 500
    dictation: bool = False
    style: str = ""


@dataclass(frozen=True)
class Service:
    id: str
    kind: str
    order: int
    icon: str
    color: str
    title: Localized
    short: Localized
    prompt: Localized
    voice: dict[str, tuple[str, ...]]
    steps: tuple[Step, ...]

    def phrases(self, locale: str) -> tuple[str, ...]:
        return self.voice.get(locale, ())


@dataclass(frozen=True)
class Catalogue:
    version: str
    services: tuple[Service, ...]
    commands: dict[str, dict[str, tuple[str, ...]]]

    def get(self, service_id: str) -> Service:
        for service in self.services:
            if service.id == service_id:
                return service
        raise KeyError(service_id)

    def ids(self) -> list[str]:
        return [s.id for s in self.services]

    def command_phrases(self, locale: str) -> dict[str, tuple[str, ...]]:
        """Global voice commands (intent id → phrases) for one locale."""
        return {intent: by_locale.get(locale, ()) for intent, by_locale in self.commands.items()}


def _localized(raw: Any, where: str, required: bool = True) -> Localized:
    if raw is None and not required:
        return {}
    if not isinstance(raw, dict) or DEFAULT_LOCALE not in raw:
        raise CatalogueError(f"{where}: needs a table with at least a {DEFAULT_LOCALE} entry")
    return {str(k): str(v) for k, v in raw.items()}


def _phrases(raw: Any, where: str) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: voice must be a table of locale → list of phrases")
    return {str(k): tuple(str(p) for p in v) for k, v in raw.items()}


def _step(raw: dict[str, Any], where: str) -> Step:
    kind = raw.get("kind")
    if kind not in STEP_KINDS:
        raise CatalogueError(f"{where}: unknown step kind {kind!r}")
    options = tuple(
        Option(
            id=str(o["id"]),
            label=_localized(o.get("label"), f"{where}.options.{o.get('id')}"),
            icon=str(o.get("icon", "fa5s.circle")),
            voice=_phrases(o.get("voice"), f"{where}.options.{o.get('id')}.voice"),
        )
        for o in raw.get("options", [])
    )
    if kind == "choose" and not options:
        raise CatalogueError(f"{where}: a choose step needs options")
    return Step(
        kind=str(kind),
        id=str(raw.get("id", kind)),
        title=_localized(raw.get("title"), f"{where}.title", required=False),
        options=options,
        optional=bool(raw.get("optional", False)),
        max_length=int(raw.get("max_length", 500)),
        dictation=bool(raw.get("dictation", False)),
        style=str(raw.get("style", "")),
    )


def parse_service(raw: dict[str, Any], where: str) -> Service:
    try:
        service_id = str(raw["id"])
        kind = str(raw.get("kind", "form"))
        if kind not in SERVICE_KINDS:
            raise CatalogueError(f"{where}: unknown service kind {kind!r}")
        return Service(
            id=service_id,
            kind=kind,
            order=int(raw.get("order", 99)),
            icon=str(raw.get("icon", "fa5s.circle")),
            color=str(raw.get("color", "#2E4053")),
            title=_localized(raw.get("title"), f"{where}.title"),
            short=_localized(raw.get("short", raw.get("title")), f"{where}.short"),
            prompt=_localized(raw.get("prompt"), f"{where}.prompt"),
            voice=_phrases(raw.get("voice"), f"{where}.voice"),
            steps=tuple(_step(s, f"{where}.steps[{i}]") for i, s in enumerate(raw.get("steps", []))),
        )
    except KeyError as missing:
        raise CatalogueError(f"{where}: missing field {missing}") from None


def load_catalogue(directory: Path = CATALOGUE_DIR, version: str = "bundled") -> Catalogue:
    services: list[Service] = []
    commands: dict[str, dict[str, tuple[str, ...]]] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CatalogueError(f"{path.name}: {exc}") from None
        if path.name == "_commands.toml":
            commands = {intent: _phrases(v, f"{path.name}.{intent}") for intent, v in raw.items()}
        else:
            services.append(parse_service(raw, path.name))
    services.sort(key=lambda s: (s.order, s.id))
    return Catalogue(version=version, services=tuple(services), commands=commands)


@cache
def bundled_catalogue() -> Catalogue:
    """The catalogue shipped with the program (cached: it is read-only)."""
    return load_catalogue()
