"""Typed request dependencies: the hub state and the authenticated station.

Station authentication (see docs/sync-protocol.md §Auth): every sync request carries the station
id, a timestamp, a random nonce and an HMAC-SHA256 over method, path+query, timestamp, nonce and
the body's SHA-256, keyed by the secret issued at enrolment. The hub refuses unknown or revoked
stations, bad signatures, timestamps outside ±5 min, and any nonce it has already seen from that
station within the window, so a captured request cannot be replayed.

Hot path (push, pull): `signed_station` checks the headers and the signature before any database
work, using the worker's cache of decrypted secrets; the route then runs `signed_transaction`, which
claims the nonce — re-checking revocation and the secret against the database in the same
statement — and does the work in one transaction on one connection (services/station_auth.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import weakref
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from server.api.state import HubState
from server.services.errors import HubError
from server.services.station_auth import (
    Credential,
    NonceClaim,
    SignedStation,
    bad_signature,
    load_credential,
    prune_due,
    prune_nonces,
    record_refused_nonce,
    station_revoked,
)
from sync.protocol import MAX_PUSH_BYTES, SIGNATURE_WINDOW_SECONDS, verify_signature

_MAX_SIGNED_BODY = MAX_PUSH_BYTES + 64 * 1024  # JSON framing around a full 1 MB batch

T = TypeVar("T")
log = logging.getLogger("yizhan.hub")


def get_state(request: Request) -> HubState:
    state: HubState = request.app.state.hub
    return state


async def _state_dependency(request: Request) -> HubState:
    # async on purpose: FastAPI runs a plain `def` dependency on a worker thread, a thread hop
    # (and GIL hand-off) per request for one attribute read.
    return get_state(request)


StateDep = Annotated[HubState, Depends(_state_dependency)]


def _unauthorised(code: str, message: str) -> HubError:
    return HubError(401, code, message)


# The signed-request headers and their length limits. Read straight from the request (FastAPI's
# Header() parameters cost ~0.5 ms of CPU per request in dependency solving, on every push and
# pull); documented on each signed route through `SIGNED_OPENAPI` as FastAPI documented them.
_SIGNED_HEADERS = (
    ("x-yizhan-station", 64),
    ("x-yizhan-timestamp", 32),
    ("x-yizhan-nonce", 64),
    ("x-yizhan-signature", 128),
)
SIGNED_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "name": name,
            "in": "header",
            "required": False,
            "schema": {
                "anyOf": [{"type": "string", "maxLength": limit}, {"type": "null"}],
                "title": name.title(),
            },
        }
        for name, limit in _SIGNED_HEADERS
    ]
}


def _signed_headers(request: Request) -> list[str | None]:
    """The four headers, each refused past its length as FastAPI's `Header(max_length=…)` did."""
    headers = request.headers
    values = []
    for name, limit in _SIGNED_HEADERS:
        value = headers.get(name)
        if value is not None and len(value) > limit:
            raise RequestValidationError(
                [
                    {
                        "type": "string_too_long",
                        "loc": ("header", name),
                        "msg": f"String should have at most {limit} characters",
                        "input": value,
                        "ctx": {"max_length": limit},
                    }
                ]
            )
        values.append(value)
    return values


async def signed_station(request: Request) -> SignedStation:
    """Headers, clock window and signature. The nonce is claimed later, with the request's work."""
    state = get_state(request)
    x_yizhan_station, x_yizhan_timestamp, x_yizhan_nonce, x_yizhan_signature = _signed_headers(request)
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

    def verifies(cred: Credential) -> bool:
        return verify_signature(
            cred.secret, x_yizhan_signature, request.method, path, x_yizhan_timestamp, x_yizhan_nonce, body
        )

    cred = state.credentials.get(x_yizhan_station)
    if cred is None or not verifies(cred):
        # Not cached, or cached before a re-enrolment rotated the secret: read it (off the loop).
        cred = await run_in_threadpool(_load_credential, state, x_yizhan_station)
        if not verifies(cred):
            raise bad_signature()
    if cred.revoked:
        # Checked after the signature so only the real station learns that it was revoked.
        raise station_revoked()
    return SignedStation(
        station_id=cred.station_id, name=cred.name, nonce=x_yizhan_nonce, secret_enc=cred.secret_enc
    )


def _load_credential(state: HubState, station_id: str) -> Credential:
    with state.engine.connect() as conn:
        cred = load_credential(conn, state.keys, station_id)
    state.credentials.put(cred)
    return cred


SignedDep = Annotated[SignedStation, Depends(signed_station)]


_HOT_PATH_THREADS = int(os.environ.get("YIZHAN_HUB_SYNC_THREADS", "8"))
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


async def run_signed(
    state: HubState,
    signed: SignedStation,
    work: Callable[[Connection, NonceClaim], T],
    *,
    claims: bool = False,
) -> tuple[T, float]:
    """`signed_transaction` on a worker thread, at most `_HOT_PATH_THREADS` at a time per process.

    The work is CPU-bound Python (opening sealed items, SQL round trips on loopback): more threads
    than that only add GIL hand-offs, and more concurrent transactions than the connection pool
    holds would open and close overflow connections (a PostgreSQL backend start each time).
    Returns the result and the milliseconds spent in the transaction itself (no queueing).
    """
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(_HOT_PATH_THREADS)

    def timed() -> tuple[T, float]:
        started = time.perf_counter()
        result = signed_transaction(state, signed, work, claims=claims)
        return result, (time.perf_counter() - started) * 1000

    return await anyio.to_thread.run_sync(timed, limiter=limiter)


def signed_transaction(
    state: HubState,
    signed: SignedStation,
    work: Callable[[Connection, NonceClaim], T],
    *,
    claims: bool = False,
) -> T:
    """Claim the request's nonce and do its work in one transaction (blocking: call off the loop).

    The nonce is claimed before the work starts, or, with `claims=True`, by the work itself with
    its first statements (`NonceClaim.send`, one round trip for both); either way nothing commits
    unless the claim held. If the work itself is refused (a HubError such as cursor_ahead) after
    the claim, its transaction rolls back and the nonce is recorded on its own, so the request
    stays single-use.
    """
    claim = NonceClaim(state.credentials, signed)
    try:
        with state.engine.begin() as conn:
            if not claims:
                claim.claim(conn)
            result = work(conn, claim)
            if not claim.claimed:  # a work that promised to claim and did not: never commit it
                raise RuntimeError("signed work finished without claiming its nonce")
    except HubError:
        if claim.claimed:
            with state.engine.begin() as conn:
                record_refused_nonce(conn, signed)
        raise
    if prune_due():
        try:
            with state.engine.begin() as conn:
                prune_nonces(conn)
        except SQLAlchemyError:  # e.g. a deadlock with another worker's prune: the next one will do
            log.warning("nonce prune skipped", exc_info=True)
    return result


async def authenticated_station(signed: SignedDep, state: StateDep) -> SignedStation:
    """For endpoints off the hot path (attachments): claim the nonce in a transaction of its own."""
    await run_in_threadpool(signed_transaction, state, signed, lambda _conn, _claim: None)
    return signed


# Kept for the attachment routes: they read `.station_id`, which SignedStation has.
StationDep = Annotated[SignedStation, Depends(authenticated_station)]
