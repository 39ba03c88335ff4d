"""The protocol's error model: every non-2xx answer is {"protocol": 1, "error": {code, message}}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.services.errors import HubError
from sync.protocol import PROTOCOL_VERSION

log = logging.getLogger("yizhan.hub")


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"protocol": PROTOCOL_VERSION, "error": {"code": code, "message": message}}
    return JSONResponse(status_code=status, content=body, headers=headers)


def require_protocol(version: int) -> None:
    """Refuse a body of another protocol version with a code the station acts on (it asks for a
    software upgrade instead of retrying) rather than guess at what an unknown version means."""
    if version != PROTOCOL_VERSION:
        raise HubError(
            400, "unsupported_protocol", f"this hub speaks sync protocol {PROTOCOL_VERSION}, not {version}"
        )


def validation_response(exc: RequestValidationError) -> JSONResponse:
    """422 naming the first bad field — or 400 `unsupported_protocol` for a body of another protocol
    version (its fields may differ, so say which version rather than which field)."""
    body = getattr(exc, "body", None)
    version = body.get("protocol") if isinstance(body, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version != PROTOCOL_VERSION:
        try:
            require_protocol(version)
        except HubError as refusal:
            return error_response(refusal.status, refusal.code, refusal.message)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return error_response(422, "validation_error", f"{where}: {first.get('msg', 'invalid')}")


def install(app: FastAPI) -> None:
    @app.exception_handler(HubError)
    async def _hub_error(_request: Request, exc: HubError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, f"http_{exc.status_code}", str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # Never echo internals (they could carry personal data); the log has the traceback.
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "the hub failed to handle this request")


def error_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI entries so generated clients (and schemathesis) know the error body's shape."""
    from sync.protocol import ErrorResponse

    return {status: {"model": ErrorResponse} for status in statuses}
