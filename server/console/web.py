"""Rendering for the console: the Jinja2 environment, its helpers, flash codes, error pages.

Templates get `_` (Chinese source text → the viewer's language), `when` (a time in the office's
time zone), status and service labels, and the viewer. Flash messages travel as a short code in
the redirect URL (never free text from the request), so nothing can be reflected into a page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders

from server.console import catalogue
from server.console.auth import Viewer, console_settings, language
from server.console.i18n import translate
from server.db.types import assume_utc
from server.services.errors import HubError

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _printable(value: Any) -> Any:
    """Every value a template prints: text that cannot be encoded (a lone surrogate a station sent)
    is shown with a replacement character, so one bad row never makes a page fail to render."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "replace").decode("utf-8")
    return value


TEMPLATES.env.finalize = _printable
# Templates ship with the hub and do not change while it runs: no stat() of every template (and
# of each one it extends, includes or imports) on every page.
TEMPLATES.env.auto_reload = False


def compile_all() -> None:
    """Compile every template once (server/console/__init__.py's warm-up, off the request path):
    the first view of a page then only renders (compiling one costs tens of milliseconds)."""
    for name in TEMPLATES.env.list_templates(extensions=["html"]):
        TEMPLATES.env.get_template(name)


STATUS_LABELS = {
    "new": "待受理",
    "received": "已受理",
    "in_progress": "办理中",
    "done": "已办结",
    "rejected": "已退回",
}
FLASH = {
    "saved": "已保存",
    "received": "已受理，居民下次同步即可看到",
    "progress": "已标记为办理中",
    "closed": "已办结，答复会送到驿站",
    "rejected": "已退回，理由会送到驿站",
    "assigned": "已分派",
    "published": "通知已发布",
    "slots": "预约时段已发布",
    "visited": "已记录上门探访",
    "pushed": "预警名单已发送给驿站",
    "code": "注册码已生成，只显示这一次",
    "revoked": "驿站已停用",
    "user": "账号已保存",
    "password_changed": "密码已修改，请用新密码登录",
    "password_reset": "密码已重置，该账号的登录都已退出",
    "reply_required": "办结需要填写答复，退回需要填写理由",
    "bad_transition": "这件事的状态已经变了，请刷新后再操作",
    "slot_past": "不能发布已经过去的时段，请选今后的日期和时间",
    "bad_times": "结束时间要晚于开始时间",
    "consult_created": "议事已发起，驿站下次同步就会显示",
    "consult_closed": "议事已截止",
    "consult_published": "结果已作为通知发到驿站",
    "error": "操作没有成功，请检查填写的内容",
}


def when(at: datetime | None, request: Request | ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """`at` in the office's time zone (`request`'s console settings, or the zone itself)."""
    if at is None:
        return "—"
    aware = assume_utc(at)  # template values may come from the wire, not only from columns
    tz = request if isinstance(request, ZoneInfo) else console_settings(request).tz
    try:
        return aware.astimezone(tz).strftime(fmt)
    except (OverflowError, ValueError):  # e.g. a station clock that said 9999-12-31: show it, do not fail
        return aware.strftime(fmt) + " UTC"


def age(at: datetime | None, lang: str) -> str:
    if at is None:
        return "—"
    seconds = (datetime.now(UTC) - assume_utc(at)).total_seconds()
    if seconds < 0:
        return "—"  # a station clock ahead of the hub
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min" if lang == "en" else f"{minutes}分钟"
    if minutes < 48 * 60:
        return f"{minutes // 60} h" if lang == "en" else f"{minutes // 60}小时"
    return f"{minutes // 1440} d" if lang == "en" else f"{minutes // 1440}天"


def render(
    request: Request, viewer: Viewer | None, name: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    lang = viewer.lang if viewer else language(request)
    tz = console_settings(request).tz  # once per page, not once per time shown
    flash = request.query_params.get("flash") or ""
    response = TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "viewer": viewer,
            "lang": lang,
            "_": lambda text: translate(text, lang),
            "when": lambda at, fmt="%Y-%m-%d %H:%M": when(at, tz, fmt),
            "age": lambda at: age(at, lang),
            "status_label": lambda s: translate(STATUS_LABELS.get(str(s), str(s)), lang),
            "service_title": lambda s: catalogue.service_title(s, lang),
            "field_title": lambda s, f: catalogue.field_title(s, f, lang),
            "option_label": lambda s, f, v: catalogue.option_label(s, f, v, lang),
            "flash": translate(FLASH.get(flash, FLASH["error"]), lang) if flash else None,
            "flash_bad": bool(flash)
            and flash in ("reply_required", "bad_transition", "error", "slot_past", "bad_times"),
            "path": request.url.path,
            "now": datetime.now(UTC),
            **context,
        },
        status_code=status_code,
    )
    return response


def back(url: str, flash: str | None = None, **params: str) -> RedirectResponse:
    query = {k: v for k, v in params.items() if v}
    if flash:
        query["flash"] = flash
    return RedirectResponse(url + ("?" + urlencode(query) if query else ""), status_code=303)


async def run_then_back(work: Callable[[], object], url: str, done_flash: str) -> RedirectResponse:
    """Run a form action's database work off the event loop, then redirect back to `url` with a
    flash saying it was done — or, when the hub refused it, saying why (`flash_for`)."""
    try:
        await run_in_threadpool(work)
    except HubError as exc:
        return back(url, flash_for(exc))
    return back(url, done_flash)


def flash_for(exc: HubError) -> str:
    return exc.code if exc.code in FLASH else "error"


def security_headers(headers: MutableHeaders) -> None:
    # Everything the console loads is its own: no CDN, no inline script, no framing.
    headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "media-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'"
    )
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
