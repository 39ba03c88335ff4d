"""Unauthenticated liveness probe; also lets a station tell a real hub from a captive portal."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from sync.protocol import PROTOCOL_VERSION, HealthResponse

router = APIRouter(tags=["health"])


@router.get("/v1/health", response_model=HealthResponse)
def health() -> HealthResponse:
    return HealthResponse(protocol=PROTOCOL_VERSION, status="ok", server_time=datetime.now(UTC))
