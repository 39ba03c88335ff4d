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


KIOSK_RECORDS = {
    "help_cancel": {"zh_CN": "取消呼叫（居民按错了）", "en": "Help call cancelled (pressed by mistake)"},
    "rating": {"zh_CN": "评价", "en": "Rating"},
}


def service_title(service: str, lang: str = "zh") -> str:
    info = services().get(service)
    if info is None and service in KIOSK_RECORDS:
        return _pick(KIOSK_RECORDS[service], lang, service)
    return _pick(info.title, lang, service) if info else service


# How staff name each field (the kiosk's step titles are questions to residents: "是哪方面的问题？").
STAFF_LABELS: dict[str, dict[str, str]] = {
    "category": {"zh_CN": "问题类别", "en": "Category"},
    "description": {"zh_CN": "问题描述", "en": "Description"},
    "photo": {"zh_CN": "照片", "en": "Photo"},
    "topic": {"zh_CN": "查询事项", "en": "Inquiry about"},
    "subsidy_type": {"zh_CN": "补贴类型", "en": "Subsidy"},
    "situation": {"zh_CN": "家庭情况", "en": "Situation"},
    "documents": {"zh_CN": "材料", "en": "Documents"},
    "certificate_type": {"zh_CN": "证明类型", "en": "Certificate"},
    "delivery": {"zh_CN": "领取方式", "en": "Delivery"},
    "appointment_service": {"zh_CN": "预约项目", "en": "Appointment for"},
    "slot": {"zh_CN": "预约时段", "en": "Slot"},
    "note": {"zh_CN": "备注", "en": "Note"},
    "status": {"zh_CN": "签到情况", "en": "Check-in"},
    "feeling": {"zh_CN": "身体情况", "en": "Feeling"},
    "voice_note": {"zh_CN": "语音留言", "en": "Voice note"},
    "transcript": {"zh_CN": "语音转写", "en": "Transcript"},
    "imported": {"zh_CN": "台账导入", "en": "Imported from a ledger"},
    "ledger_date": {"zh_CN": "台账日期", "en": "Ledger date"},
    "ledger_status": {"zh_CN": "台账状态", "en": "Ledger status"},
    "ledger_reply": {"zh_CN": "台账答复", "en": "Ledger reply"},
}


def field_title(service: str, field_id: str, lang: str = "zh") -> str:
    """The field's name as staff say it; the kiosk's question only for a field not listed above."""
    if field_id in STAFF_LABELS:
        return _pick(STAFF_LABELS[field_id], lang, field_id)
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
    return {
        key: _pick(label, lang, key) for key, label in info.options.get("appointment_service", {}).items()
    }
