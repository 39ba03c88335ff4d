"""Station settings declared as data (key, default, type, label); stored in the plain `settings` table
because none of them is personal and the locked kiosk must read its name and locale before unlock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SettingSpec:
    key: str
    default: Any
    kind: type
    label: str


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("station_name", "便民服务驿站", str, "驿站名称"),
    SettingSpec("station_prefix", "A01", str, "办件编号前缀"),
    SettingSpec("locale", "zh_CN", str, "界面语言"),
    SettingSpec("hub_url", "", str, "中心地址"),
    SettingSpec("idle_seconds", 120, int, "无操作提醒（秒）"),
    SettingSpec("idle_grace_seconds", 30, int, "提醒后等待（秒）"),
    SettingSpec("retention_days", 180, int, "办结记录保留天数"),
    SettingSpec("text_scale", 1.0, float, "默认字号"),
    SettingSpec("checkin_deadline_hour", 10, int, "平安签到截止时间（点）"),
    SettingSpec("voice_enabled", True, bool, "语音"),
    SettingSpec("tts_rate", 130, int, "语速（字/分）"),  # slow by default (voice/tts.py)
    SettingSpec("tts_volume", 0.9, float, "音量"),
    SettingSpec("demo", False, bool, "演示驿站"),
)

SPECS = {spec.key: spec for spec in SETTINGS}


def coerce(key: str, value: Any) -> Any:
    spec = SPECS.get(key)
    if spec is None:
        raise KeyError(f"unknown setting {key!r}")
    if spec.kind is bool and isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return spec.kind(value)
