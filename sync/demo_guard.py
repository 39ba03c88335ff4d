"""A demo station (published passphrase and PINs, generated residents) never joins a real hub.

It may join a hub that says it is a demo hub itself (`"demo": true` in /v1/health, set by
`YIZHAN_HUB_DEMO=1` on the hub), or when an admin passes `--demo-ok` on purpose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import requests
from pydantic import ValidationError

from sync.protocol import HealthResponse

if TYPE_CHECKING:
    from models.station import Station

HEALTH_TIMEOUT_S = 10.0


class DemoStationRefused(Exception):
    """This demo station may not join that hub; the message says why and what to do instead."""


def hub_reports_demo(hub_url: str, *, timeout: float = HEALTH_TIMEOUT_S, ca_file: str | None = None) -> bool:
    """True only when the hub's own health answer says it is a demo hub."""
    reply = requests.get(
        f"{hub_url.rstrip('/')}/v1/health", timeout=timeout, allow_redirects=False, verify=ca_file or True
    )
    if reply.status_code != 200:
        return False
    return HealthResponse.model_validate_json(reply.content).demo


def check_demo_enrol(
    station: Station, hub_url: str, *, demo_ok: bool = False, ca_file: str | None = None
) -> None:
    """Raise DemoStationRefused when a demo station is about to join a hub that is not a demo hub."""
    if demo_ok or not station.setting("demo"):
        return
    try:
        if hub_reports_demo(hub_url, ca_file=ca_file):
            return
        why = "that hub is a real hub"
    except (requests.RequestException, ValidationError, ValueError):
        why = "that hub could not confirm it is a demo hub"
    raise DemoStationRefused(
        "这是演示驿站（公开的密码和PIN、生成的居民），不能加入正式的服务中心 — "
        f"this is a demo station and {why}; "
        "set up a real station with `yizhan init`, or pass --demo-ok to join anyway"
    )
