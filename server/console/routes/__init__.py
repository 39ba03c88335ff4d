"""One router per console area; `ROUTERS` is what server.console.install mounts."""

from __future__ import annotations

from server.console.routes import (
    admin,
    checkins,
    consult,
    login,
    notices,
    password,
    queue,
    reports,
    requests,
    slots,
    stations,
    stats,
    topics,
    warnings,
)

ROUTERS = [
    m.router
    for m in (
        login,
        password,
        queue,
        requests,
        checkins,
        notices,
        consult,
        slots,
        stations,
        stats,
        topics,
        warnings,
        reports,
        admin,
    )
]
