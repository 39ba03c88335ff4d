"""Typed request dependencies: the hub state and the authenticated station.

Station authentication (see docs/sync-protocol.md §Auth): every sync request carries the station
id, a timestamp, a random nonce and an HMAC-SHA256 over method, path+query, timestamp, nonce and
the body's SHA-256, keyed by the secret issued at enrolment. The hub refuses unknown or revoked
stations, bad signatures, timestamps outside ±5 min, and any nonce it has already seen from that
station within the window, so a captured request cannot be replayed.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from server.api.state import HubState
from server.core.db import transaction
from server.db.models import RequestNonce, Station
from server.services.errors import HubError
from server.services.stations import secret_aad
from sync.protocol import MAX_PUSH_BYTES, SIGNATURE_WINDOW_SECONDS, verify_signature

_SEEN_GRANULARITY = timedelta(seconds=60)
_MAX_SIGNED_BODY = MAX_PUSH_BYTES + 64 * 1024  # JSON framing around a full 1 MB batch


def get_state(request: Request) -> HubState:
    state: HubState = request.app.state.hub
    return state


StateDep = Annotated[HubState, Depends(get_state)]


@dataclass(frozen=True)
class StationContext:
    station_id: str
    name: str


def _unauthorised(code: str, message: str) -> HubError:
    return HubError(401, code, message)


async def authenticated_station(
    request: Request,
    state: StateDep,
    x_yizhan_station: Annotated[str | None, Header(max_length=64)] = None,
    x_yizhan_timestamp: Annotated[str | None, Header(max_length=32)] = None,
    x_yizhan_nonce: Annotated[str | None, Header(max_length=64)] = None,
    x_yizhan_signature: Annotated[str | None, Header(max_length=128)] = None,
) -> StationContext:
    if not (x_yizhan_station and x_yizhan_timestamp and x_yizhan_nonce and x_yizhan_signature):
        raise _unauthorised("unauthenticated", "this endpoint needs a signed station request")
    try:
        sent_at = int(x_yizhan_timestamp)
    except ValueError:
        raise _unauthorised("bad_timestamp", "timestamp must be integer seconds") from None
    if abs(time.time() - sent_at) > SIGNATURE_WINDOW_SECONDS:
        raise _unauthorised("clock_skew", "request timestamp is outside the hub's window; check the clock")
    if len(x_yizhan_nonce) < 16:
        raise _unauthorised("bad_nonce", "nonce must have at least 16 characters")
    body = await request.body()
    if len(body) > _MAX_SIGNED_BODY:
        raise HubError(413, "payload_too_large", f"request body over {MAX_PUSH_BYTES} bytes")
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # The look-up is blocking database work: keep it off the event loop.
    return await run_in_threadpool(
        _check_and_record,
        state,
        request.method,
        path,
        x_yizhan_station,
        x_yizhan_timestamp,
        x_yizhan_nonce,
        x_yizhan_signature,
        body,
    )


def _check_and_record(
    state: HubState, method: str, path: str, station_id: str, ts: str, nonce: str, signature: str, body: bytes
) -> StationContext:
    with transaction(state.sessions) as session:
        station = session.get(Station, station_id)
        if station is None or station.secret_enc is None:
            raise _unauthorised("unknown_station", "station is not enrolled at this hub")
        secret = state.keys.decrypt(station.secret_enc, secret_aad(station.id))
        if not verify_signature(secret, signature, method, path, ts, nonce, body):
            raise _unauthorised("bad_signature", "request signature does not verify")
        if station.revoked_at is not None:
            # Checked after the signature so only the real station learns that it was revoked.
            raise HubError(403, "station_revoked", "this station has been revoked by the hub")
        now = datetime.now(UTC)
        if station.last_seen_at is None or now - _aware(station.last_seen_at) > _SEEN_GRANULARITY:
            station.last_seen_at = now  # not on every request: a row write per call costs throughput
        _record_nonce(session, station.id, nonce)
        return StationContext(station_id=station.id, name=station.name)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite hands back naive datetimes


def _record_nonce(session: Session, station_id: str, nonce: str) -> None:
    try:
        with session.begin_nested():
            session.add(RequestNonce(station_id=station_id, nonce=nonce, seen_at=datetime.now(UTC)))
    except IntegrityError:
        raise _unauthorised("replayed", "this request was already received (replay refused)") from None
    if random.random() < 0.01:  # amortised clean-up; nonces older than 2 windows cannot be replayed
        cutoff = datetime.now(UTC) - timedelta(seconds=2 * SIGNATURE_WINDOW_SECONDS)
        session.execute(delete(RequestNonce).where(RequestNonce.seen_at < cutoff))


StationDep = Annotated[StationContext, Depends(authenticated_station)]
