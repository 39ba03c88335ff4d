"""One router per console area; `ROUTERS` is what server.console.install mounts."""

from __future__ import annotations

from server.console.routes import (
    admin,
    checkins,
    consult,
    login,
    notices,
    queue,
    requests,
    slots,
    stations,
    stats,
)

ROUTERS = [m.router for m in (login, queue, requests, checkins, notices, consult, slots, stations, stats, admin)]
