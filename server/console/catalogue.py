"""Service names and form labels for the console, read from the kiosk's catalogue (assets/catalogue).

The console shows what a resident chose in the words the kiosk used ("道路路灯", not "road_light").
Read once per process; the files are plain TOML and carry no personal data.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOGUE_DIR = Path(__file__).resolve().parents[2] / "assets" / "catalogue"
_WORK_KINDS = {"form", "urgent"}


@dataclass(frozen=True)
class ServiceInfo:
    id: str
    title: dict[str, str]
    steps: dict[str, dict[str, str]] = field(default_factory=dict)  # field id → title by locale
    options: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)  # field → option → label


@lru_cache(maxsize=1)
def services() -> dict[str, ServiceInfo]:
    found: dict[str, ServiceInfo] = {}
    if not CATALOGUE_DIR.is_dir():
        return found
    for path in sorted(CATALOGUE_DIR.glob("*.toml")):
        doc: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        if "id" not in doc or doc.get("kind") not in _WORK_KINDS:
            continue
        steps: dict[str, dict[str, str]] = {}
        options: dict[str, dict[str, dict[str, str]]] = {}
        for step in doc.get("steps", []):
            if "title" in step:
                steps[step["id"]] = step["title"]
            if step.get("options"):
                options[step["id"]] = {o["id"]: o.get("label", {}) for o in step["options"]}
        found[doc["id"]] = ServiceInfo(doc["id"], doc.get("title", {}), steps, options)
    return found


def _pick(labels: dict[str, str], lang: str, fallback: str) -> str:
    return labels.get("en" if lang == "en" else "zh_CN") or labels.get("zh_CN") or fallback


def service_title(service: str, lang: str = "zh") -> str:
    info = services().get(service)
    return _pick(info.title, lang, service) if info else service


def field_title(service: str, field_id: str, lang: str = "zh") -> str:
    info = services().get(service)
    return _pick(info.steps.get(field_id, {}), lang, field_id) if info else field_id


def option_label(service: str, field_id: str, value: Any, lang: str = "zh") -> str:
    info = services().get(service)
    labels = info.options.get(field_id, {}).get(str(value)) if info else None
    return _pick(labels, lang, str(value)) if labels else str(value)


def appointment_options(lang: str = "zh") -> dict[str, str]:
    info = services().get("appointment")
    if info is None:
        return {}
    return {key: _pick(label, lang, key) for key, label in info.options.get("appointment_service", {}).items()}
