"""Unauthenticated liveness probe; also lets a station tell a real hub from a captive portal."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from fastapi import APIRouter

from sync.protocol import PROTOCOL_VERSION, HealthResponse

router = APIRouter(tags=["health"])


@router.get("/v1/health", response_model=HealthResponse)
def health() -> HealthResponse:
    demo = os.environ.get("YIZHAN_HUB_DEMO") == "1"  # only demo stations look for this
    return HealthResponse(protocol=PROTOCOL_VERSION, status="ok", server_time=datetime.now(UTC), demo=demo)
