"""One router per console area; `ROUTERS` is what server.console.install mounts."""

from __future__ import annotations

from server.console.routes import (
    admin,
    checkins,
    login,
    notices,
    password,
    queue,
    requests,
    slots,
    stations,
    stats,
)

ROUTERS = [m.router for m in (login, password, queue, requests, checkins, notices, slots, stations, stats, admin)]
