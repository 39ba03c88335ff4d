"""Signs every answer to a signed station request (sync/answer_signing.py has the scheme).

Pure ASGI, outermost: whatever answers a request that carries `X-Yizhan-Nonce` — a pull page, a
push result, an attachment state, a 401/403 refusal, a 413 from the body limit or a 500 — is
buffered (answers are small JSON), hashed and signed with the hub's Ed25519 key(s) over the
status, the request's method, path and nonce, the hub-time header and the body. A station that
cannot verify an answer applies nothing from it.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.answer_signing import H_ANSWER_SIGNATURE, H_SIGNING_KEYS, AnswerSigner
from sync.protocol import H_HUB_TIME, H_NONCE


class AnswerSigningMiddleware:
    def __init__(self, app: ASGIApp, signer: AnswerSigner) -> None:
        self.app = app
        self.signer = signer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        nonce = Headers(scope=scope).get(H_NONCE, "") if scope["type"] == "http" else ""
        if not nonce or not scope["path"].startswith("/v1/") or len(nonce) > 128:
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        path = scope["path"] + (f"?{query}" if query else "")
        start: Message | None = None
        body = bytearray()

        async def buffered_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            headers = MutableHeaders(scope=start)
            content = bytes(body)
            headers[H_SIGNING_KEYS] = self.signer.announced
            headers[H_ANSWER_SIGNATURE] = self.signer.sign(
                start["status"], scope["method"], path, nonce, headers.get(H_HUB_TIME, ""), content
            )
            await send(start)
            await send({"type": "http.response.body", "body": content, "more_body": False})

        await self.app(scope, receive, buffered_send)
