"""Console forms that more than one test posts, the way a browser does (the form's CSRF token first)."""

from __future__ import annotations

import re
from typing import Any

import requests


def form_token(page_text: str) -> str:
    """The CSRF token of the form on a console page."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', page_text)
    assert token, page_text[:300]
    return token.group(1)


def change_password(
    http: requests.Session,
    base_url: str,
    token: str,
    old: str,
    new: str,
    repeat: str | None = None,
    **kw: Any,
) -> requests.Response:
    """POST /console/password: a signed-in user changes their own password (`repeat` defaults to `new`)."""
    data = {"csrf_token": token, "old_password": old, "new_password": new, "repeat_password": repeat or new}
    return http.post(base_url + "/console/password", timeout=60, data=data, **kw)
