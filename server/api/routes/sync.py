"""POST /v1/push and GET /v1/pull: the two halves of station sync."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from server.api.deps import StateDep, StationDep
from server.api.errors import error_responses
from server.core.db import transaction
from server.services import feed, records
from sync.protocol import (
    DEFAULT_PULL_LIMIT,
    MAX_PULL_LIMIT,
    PROTOCOL_VERSION,
    PullResponse,
    PushRequest,
    PushResponse,
)

router = APIRouter(tags=["sync"])


@router.post("/v1/push", response_model=PushResponse, responses=error_responses(401, 403, 413, 422))
def push(body: PushRequest, station: StationDep, state: StateDep) -> PushResponse:
    """Store each envelope once. The whole batch commits together, so an ack is never premature."""
    with transaction(state.sessions) as session:
        results = records.ingest(session, state.keys, station.station_id, body.items)
    return PushResponse(protocol=PROTOCOL_VERSION, results=results)


@router.get("/v1/pull", response_model=PullResponse, responses=error_responses(401, 403, 409, 422))
def pull(
    station: StationDep,
    state: StateDep,
    cursor: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
) -> PullResponse:
    with transaction(state.sessions) as session:
        return feed.pull(session, state.keys, station.station_id, cursor, limit)
