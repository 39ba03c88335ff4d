"""POST /v1/enrol: redeem a one-time code for a station credential and the hub's keys.

The station proves the code without sending it; the answer seals the station secret under a key
derived from the code and binds the station id, the secret and both hub keys with a MAC keyed by
the code, so a man in the middle can neither read the secret nor swap a key (sync/protocol.py).
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request

from server.api.deps import StateDep
from server.api.errors import error_responses, require_protocol
from server.api.state import HubState
from server.api.throttle import enrol_throttle
from server.core.db import transaction
from server.services import enrolment, stations
from server.services.errors import HubError
from sync.protocol import (
    PROTOCOL_VERSION,
    EnrolRequest,
    EnrolResponse,
    enrol_binding,
    enrol_secret_key,
)
from sync.sealing import seal_enrol_secret

router = APIRouter(tags=["enrolment"])


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@router.post(
    "/v1/enrol",
    response_model=EnrolResponse,
    response_model_exclude_none=True,  # no receipt_prefix key for a station that did not ask
    responses=error_responses(400, 401, 403, 409, 422, 429),
)
def enrol(body: EnrolRequest, request: Request, state: StateDep) -> EnrolResponse:
    require_protocol(body.protocol)
    throttle = enrol_throttle(request)
    throttle.check()
    try:
        return _enrol(body, state)
    except HubError as exc:
        if exc.code == "bad_enrolment_code":
            throttle.failed()  # after the request's transaction: its own write, which rollback keeps
        raise


def _enrol(body: EnrolRequest, state: HubState) -> EnrolResponse:
    with transaction(state.sessions) as session:
        digest = enrolment.digest_for_proof(session, body.code_proof)
        if digest is None:
            raise HubError(401, "bad_enrolment_code", "enrolment code is unknown, used or expired")
        station, secret = stations.enrol_digest(session, state.keys, digest)
        prefix = stations.claim_receipt_prefix(session, station, body.receipt_prefix, body.prefix_fixed)
        doc: dict[str, Any] = {
            "protocol": PROTOCOL_VERSION,
            "station_id": uuid.UUID(station.id),
            "station_name": station.name,
            "sealed_secret": _b64(seal_enrol_secret(secret, enrol_secret_key(digest), station.id)),
            "hub_public_key": _b64(state.keys.public_key),
            "hub_key_id": state.keys.key_id,
            "hub_signing_keys": [_b64(k) for k in state.keys.signing_public_keys],
            "server_time": datetime.now(UTC),
        }
        # Only a station that asked for a prefix hears one: older stations refuse unknown keys.
        granted = {} if prefix is None else {"receipt_prefix": prefix}
        return EnrolResponse.model_validate({**doc, "binding": enrol_binding(digest, doc), **granted})
