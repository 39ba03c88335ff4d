"""Attachment uploads: announce, ask for state, put chunks at the reported offset."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool

from server.api.deps import SIGNED_OPENAPI, StateDep, StationDep
from server.api.errors import error_responses, require_protocol
from server.core.db import transaction
from server.services import attachments
from sync.protocol import AttachmentStart, AttachmentState

router = APIRouter(tags=["attachments"])

Sha = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
_BINARY_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/v1/attachments",
    response_model=AttachmentState,
    responses=error_responses(400, 401, 403, 409, 422),
    openapi_extra=SIGNED_OPENAPI,
)
def start_upload(body: AttachmentStart, station: StationDep, state: StateDep) -> AttachmentState:
    require_protocol(body.protocol)
    with transaction(state.sessions) as session:
        return attachments.start(session, station.station_id, body)


@router.get(
    "/v1/attachments/{sha256}",
    response_model=AttachmentState,
    responses=error_responses(401, 403, 404),
    openapi_extra=SIGNED_OPENAPI,
)
def upload_state(sha256: Sha, station: StationDep, state: StateDep) -> AttachmentState:
    with transaction(state.sessions) as session:
        return attachments.state(session, station.station_id, sha256)


@router.put(
    "/v1/attachments/{sha256}/chunks/{offset}",
    response_model=AttachmentState,
    responses=error_responses(401, 403, 404, 409, 413, 422),
    openapi_extra={**_BINARY_BODY, **SIGNED_OPENAPI},
)
async def put_chunk(
    sha256: Sha,
    offset: Annotated[int, Path(ge=0, le=2**40)],
    request: Request,
    station: StationDep,
    state: StateDep,
) -> AttachmentState:
    data = await request.body()  # already read (and size-checked) by the auth dependency

    def work() -> AttachmentState:
        with transaction(state.sessions) as session:
            return attachments.put_chunk(session, station.station_id, sha256, offset, data)

    return await run_in_threadpool(work)
