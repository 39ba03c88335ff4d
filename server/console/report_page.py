"""The weekly/monthly report as one self-contained HTML page: shown in the console (printable) and
printed to PDF by services/period_report.to_pdf — the console route and `yizhan-hub report` share it."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from server.console import catalogue
from server.console.i18n import translate
from server.console.web import TEMPLATES
from server.services.console_warnings import OUTCOMES
from server.services.period_report import Report

CSS = Path(__file__).parent / "static" / "report.css"


def service_titles(lang: str = "zh") -> dict[str, str]:
    return {s: catalogue.service_title(s, lang) for s in catalogue.services()} | {
        "help_call": translate("紧急呼叫", lang)
    }


def render_html(
    report: Report, tz: ZoneInfo, lang: str = "zh", *, actions: bool = False, embed_css: bool = False
) -> str:
    template = TEMPLATES.env.get_template("report.html")
    return template.render(
        r=report,
        lang=lang,
        _=lambda text: translate(text, lang),
        titles=service_titles(lang),
        outcomes=OUTCOMES,
        generated=report.generated_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        actions=actions,
        css=CSS.read_text(encoding="utf-8") if embed_css else None,
    )
