"""English for every console string: each `_("…")` in the templates and each message a route hands a
template (login 429s, password errors, flash notes) has an entry; the password pages render in
English through the real hub, and a wrong form there answers in English too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from server.console import i18n, web
from server.console.routes import login, password
from tests.console.conftest import ConsoleHub, login_session
from tests.console.forms import change_password, form_token

TEMPLATES = Path(i18n.__file__).parent / "templates"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_template_string_has_english() -> None:
    missing = {
        (page.name, text)
        for page in sorted(TEMPLATES.glob("*.html"))
        for text in re.findall(r'_\(\s*"([^"]+)"\s*\)', page.read_text(encoding="utf-8"))
        if text not in i18n.EN
    }
    assert not missing


@pytest.mark.parametrize(
    "message",
    [
        login.TOO_MANY,
        login.BUSY,
        login.BAD_LOGIN,
        *password._MESSAGES.values(),
        "没有改成，请再试一次",
        *web.FLASH.values(),
    ],
)
def test_route_messages_have_english(message: str) -> None:
    english = i18n.translate(message, "en")
    assert english != message and not CJK.search(english)


def _english(hub: ConsoleHub, user: str) -> requests.Session:
    http = login_session(hub, user)
    http.cookies.set("yz_lang", "en", path="/console")
    return http


def test_password_pages_in_english(hub: ConsoleHub) -> None:
    http = _english(hub, "zhuguan")
    page = http.get(hub.url + "/console/password", timeout=30)
    assert page.status_code == 200
    main = page.text.split("<main", 1)[1]
    assert "Change password" in main and "Current password" in main and "Save the new password" in main
    assert not CJK.search(re.sub(r"<[^>]+>", " ", main.split("</main>")[0]))
    wrong = change_password(http, hub.url, form_token(page.text), "x", "new-password-1", "new-password-2")
    assert wrong.status_code == 422 and "The two new passwords are not the same" in wrong.text
    admin = _english(hub, "guanli")
    users = admin.get(hub.url + "/console/users", timeout=30).text
    target = re.search(r'href="(/console/users/\d+/password)"', users)
    assert target and "Reset password" in users
    reset = admin.get(hub.url + target.group(1), timeout=30).text
    assert "Reset password" in reset and "face to face" in reset
