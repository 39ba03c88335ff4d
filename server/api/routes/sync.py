"""POST /v1/push and GET /v1/pull: the two halves of station sync.

Each request is one transaction on one pooled connection: the nonce claim (with its revocation
re-check) and the work commit together, before the answer is sent (api/deps.py); a push sends the
claim with its own first statements (services/records.py). The answer is
serialised by pydantic-core straight to JSON bytes; `response_model` still documents it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Connection

from server.api.deps import SIGNED_OPENAPI, SignedDep, get_state, run_signed
from server.api.errors import error_responses, require_protocol
from server.services import feed, records, topic_queue
from server.services.station_auth import NonceClaim
from sync.protocol import (
    DEFAULT_PULL_LIMIT,
    MAX_PULL_LIMIT,
    PROTOCOL_VERSION,
    ItemResult,
    PullResponse,
    PushRequest,
    PushResponse,
)

router = APIRouter(tags=["sync"])


def _json(model: BaseModel, txn_ms: float) -> Response:
    # `txn`: time inside the database transaction, on a worker thread; server/main.py adds `app`
    # (everything inside the app, including waiting for a worker thread) to the same header.
    return Response(
        content=model.model_dump_json(),
        media_type="application/json",
        headers={"Server-Timing": f"txn;dur={txn_ms:.1f}"},
    )


@router.post(
    "/v1/push",
    response_model=PushResponse,
    responses=error_responses(400, 401, 403, 413, 422),
    openapi_extra=SIGNED_OPENAPI,
)
async def push(body: PushRequest, station: SignedDep, request: Request) -> Response:
    """Store each envelope once. The whole batch commits together, so an ack is never premature."""
    require_protocol(body.protocol)
    state = get_state(request)  # not a dependency of its own: each costs CPU on every push

    def work(conn: Connection, claim: NonceClaim) -> list[ItemResult]:
        return records.ingest(conn, state.keys, station.station_id, body.items, claim)

    results, txn_ms = await run_signed(state, station, work, claims=True)
    topic_queue.notify(state.engine)  # the pushed requests' topic words, off the request path
    return _json(PushResponse(protocol=PROTOCOL_VERSION, results=results), txn_ms)


@router.get(
    "/v1/pull",
    response_model=PullResponse,
    responses=error_responses(401, 403, 409, 422),
    openapi_extra=SIGNED_OPENAPI,
)
async def pull(
    station: SignedDep,
    request: Request,
    cursor: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
) -> Response:
    state = get_state(request)

    def work(conn: Connection, _claim: NonceClaim) -> PullResponse:
        return feed.pull(conn, state.keys, station.station_id, cursor, limit, state.broadcasts)

    page, txn_ms = await run_signed(state, station, work)
    return _json(page, txn_ms)
