"""Request bodies are bounded however they arrive: counted as they are received, refused at the limit.

A Content-Length check alone is not enough: with `Transfer-Encoding: chunked` there is no length
to check, and `request.body()`, JSON parsing or form parsing would hold the whole body in memory
(1 GiB chunked to /v1/push once took the hub from 210 MB to 2.2 GB). This pure ASGI middleware
wraps `receive`: every chunk is counted before the app sees it, and the first chunk past the
route's limit stops the request — before JSON parsing, signature checks or form parsing. The
answer is 413: the protocol's error body on /v1/*, a short kind page on the console.

Console forms are also limited in how many fields they carry (urlencoded `&` and multipart
boundaries are counted as the bytes stream past), since Starlette parses urlencoded forms
without a field limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.api.errors import error_response
from server.services.errors import HubError
from sync.protocol import MAX_CHUNK_BYTES, MAX_PUSH_BYTES

# JSON framing around a full batch; headers of a chunk PUT; the rest is generous for small forms.
PUSH_LIMIT = MAX_PUSH_BYTES + 64 * 1024
CHUNK_LIMIT = MAX_CHUNK_BYTES + 4 * 1024
ENROL_LIMIT = 4 * 1024
API_LIMIT = 64 * 1024
CONSOLE_LIMIT = 256 * 1024
CONSOLE_MAX_FIELDS = 500

_CONSOLE_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>内容太多 · Too large</title>
<body style="font:18px/1.6 sans-serif;max-width:40em;margin:3em auto">
<h1>提交的内容太多了</h1><p>{zh}请返回上一页，减少内容后再提交。</p>
<p lang="en">The form you sent is too large ({en}). Please go back, shorten it and send it again.</p>
</body></html>"""


@dataclass(frozen=True)
class Limit:
    max_bytes: int
    max_fields: int | None = None  # counted only for form bodies


def limit_for(scope: Scope) -> Limit:
    """The byte (and form-field) limit of the route a request goes to."""
    path: str = scope.get("path", "")
    if path == "/v1/enrol":
        return Limit(ENROL_LIMIT)
    if path.startswith("/v1/attachments/") and "/chunks/" in path:
        return Limit(CHUNK_LIMIT)
    if path == "/v1/push":
        return Limit(PUSH_LIMIT)
    if path.startswith("/console"):
        return Limit(CONSOLE_LIMIT, CONSOLE_MAX_FIELDS)
    return Limit(API_LIMIT)


class BodyTooLarge(HubError):
    """Raised from `receive` at the limit; the middleware answers 413 whatever the app did with it."""

    def __init__(self, why: str) -> None:
        super().__init__(413, "payload_too_large", why)


class _FieldCounter:
    """Counts form fields in a streamed body: `&` separators (urlencoded) or part boundaries."""

    def __init__(self, content_type: str) -> None:
        kind = content_type.split(";")[0].strip().lower()
        self.marker: bytes | None = None
        self.count = 0
        self._tail = b""
        if kind == "application/x-www-form-urlencoded":
            self.marker, self.count = b"&", 1
        elif kind == "multipart/form-data" and "boundary=" in content_type:
            boundary = content_type.split("boundary=", 1)[1].split(";")[0].strip().strip('"')
            self.marker = b"--" + boundary.encode("latin-1", "replace")

    def feed(self, chunk: bytes) -> int:
        if self.marker is None or not chunk:
            return self.count
        data = self._tail + chunk
        self.count += data.count(self.marker)
        # Keep just enough to find a marker split across two chunks, never one already counted.
        keep = len(self.marker) - 1
        tail = data[-keep:] if keep else b""
        self._tail = tail if self.marker not in tail else b""
        return self.count


class BodyLimitMiddleware:
    """Counts body bytes (and console form fields) as they arrive; answers 413 at the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope)
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit.max_bytes:
            # Refuse before reading a single body byte.
            await _refusal(scope, limit, "declared")(scope, receive, send)
            return
        counter = _FieldCounter(headers.get("content-type", "")) if limit.max_fields else None
        seen = 0
        refused: str | None = None
        started = False

        async def counted_receive() -> Message:
            nonlocal seen, refused
            if refused:
                raise BodyTooLarge(refused)
            message = await receive()
            if message["type"] == "http.request":
                chunk: bytes = message.get("body", b"")
                seen += len(chunk)
                if seen > limit.max_bytes:
                    refused = "bytes"
                elif counter is not None and limit.max_fields and counter.feed(chunk) > limit.max_fields:
                    refused = "fields"
                if refused:
                    raise BodyTooLarge(
                        f"request body over {limit.max_bytes} bytes or {limit.max_fields} fields"
                    )
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # whatever the app answered to the refusal, the 413 below replaces it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not refused:
                raise
        if refused and not started:
            await _refusal(scope, limit, refused)(scope, receive, send)


def _refusal(scope: Scope, limit: Limit, why: str) -> Response:
    too_many = why == "fields"
    if scope.get("path", "").startswith("/console"):
        zh = (
            f"表单里的项目超过 {limit.max_fields} 个。"
            if too_many
            else f"内容超过 {limit.max_bytes // 1024} KB。"
        )
        en = f"more than {limit.max_fields} fields" if too_many else f"over {limit.max_bytes // 1024} KB"
        return HTMLResponse(
            _CONSOLE_PAGE.format(zh=zh, en=en), status_code=413, headers={"Connection": "close"}
        )
    return error_response(
        413,
        "payload_too_large",
        f"request body over {limit.max_bytes} bytes",
        headers={"Connection": "close"},
    )
