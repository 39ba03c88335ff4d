"""POST /v1/enrol: redeem a one-time code for a station credential and the hub public key."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

from fastapi import APIRouter

from server.api.deps import StateDep
from server.api.errors import error_responses, require_protocol
from server.core.db import transaction
from server.services import stations
from sync.protocol import PROTOCOL_VERSION, EnrolRequest, EnrolResponse

router = APIRouter(tags=["enrolment"])


@router.post("/v1/enrol", response_model=EnrolResponse, responses=error_responses(400, 401, 403, 422))
def enrol(body: EnrolRequest, state: StateDep) -> EnrolResponse:
    require_protocol(body.protocol)
    with transaction(state.sessions) as session:
        station, secret = stations.enrol(session, state.keys, body.code)
        return EnrolResponse(
            protocol=PROTOCOL_VERSION,
            station_id=uuid.UUID(station.id),
            station_name=station.name,
            secret=base64.b64encode(secret).decode("ascii"),
            hub_public_key=base64.b64encode(state.keys.public_key).decode("ascii"),
            hub_key_id=state.keys.key_id,
            server_time=datetime.now(UTC),
        )
