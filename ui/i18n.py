"""UI strings (assets/i18n/<locale>.json): lookup with fallback to Chinese, and locale-aware dates.

Catalogue text (service titles, prompts, options) comes from the catalogue itself; these files hold
only the kiosk's own words (buttons, messages, status words).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path

I18N_DIR = Path(__file__).resolve().parent.parent / "assets" / "i18n"
LOCALES = ("zh_CN", "en", "ko")
DEFAULT = "zh_CN"


@cache
def strings(locale: str) -> dict[str, str]:
    path = I18N_DIR / f"{locale}.json"
    if not path.exists():
        return {}
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def tr(locale: str, key: str, **values: object) -> str:
    text = strings(locale).get(key) or strings(DEFAULT).get(key) or key
    return text.format(**values) if values else text


def weekday(locale: str, day: dt.date) -> str:
    return tr(locale, f"weekday.{day.weekday()}")


def long_date(locale: str, day: dt.date) -> str:
    return tr(
        locale,
        "date.long",
        y=day.year,
        m=day.month,
        d=day.day,
        month=tr(locale, f"month.{day.month}"),
        weekday=weekday(locale, day),
    )


def short_time(locale: str, moment: dt.datetime) -> str:
    return tr(locale, "time.short", h=moment.hour, mm=f"{moment.minute:02d}")


def sync_failure(locale: str, kind: str) -> str:
    """Plain words for a failure class from sync/failures.py; an unknown class reads as "other"."""
    key = f"sync.failed.{kind}"
    return tr(locale, key if key in strings(DEFAULT) else "sync.failed.other")
