"""`yizhan enrol` and `yizhan sync`: join a hub with a one-time code, and run a sync pass."""

from __future__ import annotations

import argparse
import json
from typing import Any

from desktop.commands.common import add_data_dir, open_station, station_errors
from desktop.errors import UserFacingError


def cmd_enrol(args: argparse.Namespace) -> int:
    from models.station import Actor
    from sync.client import SyncError, enrol
    from sync.credentials import save_credential
    from sync.demo_guard import DemoStationRefused, check_demo_enrol

    station = open_station(args)
    try:
        try:
            check_demo_enrol(station, args.hub, demo_ok=args.demo_ok)
        except DemoStationRefused as exc:
            raise UserFacingError(str(exc)) from None
        try:
            credential = enrol(args.hub, args.code)
        except SyncError as exc:
            raise UserFacingError(f"enrolment failed: {exc}") from None
        with station_errors():
            save_credential(station, credential, Actor("admin", "cli"))
            station.update_settings(Actor("admin", "cli"), hub_url=credential.hub_url)
    finally:
        station.close()
    print(f"enrolled with {credential.hub_url} as “{credential.station_name}” ({credential.station_id})")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from sync.client import AuthRefused
    from sync.engine import NotEnrolled, SyncEngine

    station = open_station(args)
    try:
        with station_errors():
            try:
                report = SyncEngine(station, hub_url=args.hub).run_once()
            except NotEnrolled as exc:
                raise UserFacingError(str(exc)) from None
            except AuthRefused as exc:
                raise UserFacingError(f"the hub refused this station: {exc}", 3) from None
    finally:
        station.close()
    summary: dict[str, Any] = {
        "complete": report.complete, "sealed": report.sealed, "acknowledged": report.acknowledged,
        "quarantined": report.quarantined, "pulled": report.pulled, "waiting": report.waiting,
        "cursor": report.cursor, "error": report.error,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if report.complete else 1


def register(sub: Any) -> None:
    p = sub.add_parser("enrol", help="join a hub with a one-time enrolment code")
    add_data_dir(p)
    p.add_argument("--hub", required=True, help="hub address, e.g. https://hub.example.gov.cn")
    p.add_argument("--code", required=True, help="one-time code from `yizhan-hub enrol-code`")
    p.add_argument("--demo-ok", action="store_true", help="let a demo station join a hub that is not a demo hub")
    p.set_defaults(handler=cmd_enrol)

    p = sub.add_parser("sync", help="push queued records and pull the hub's answers")
    add_data_dir(p)
    p.add_argument("--once", action="store_true", help="one pass, then exit (0 only when fully in sync)")
    p.add_argument("--hub", default=None, help="override the enrolled hub address (e.g. via a proxy)")
    p.set_defaults(handler=cmd_sync)
