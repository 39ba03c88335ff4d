"""`yizhan enrol` and `yizhan sync`: join a hub with a one-time code, and run a sync pass."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from desktop.commands.common import add_data_dir, open_station, station_errors
from desktop.errors import UserFacingError


def cmd_enrol(args: argparse.Namespace) -> int:
    from models.station import Actor
    from sync.client import SyncError, enrol
    from sync.credentials import save_credential

    if args.insecure_http and not args.hub.startswith("https://"):
        print("warning: --insecure-http: the station secret and every answer will cross the network "
              "unencrypted; anyone on the path can read them. Use this only on a test network.", file=sys.stderr)
    if args.ca and not os.path.isfile(args.ca):
        raise UserFacingError(f"CA certificate file not found: {args.ca}")
    station = open_station(args)
    try:
        try:
            credential = enrol(args.hub, args.code, insecure_http=args.insecure_http,
                               ca_file=os.path.abspath(args.ca) if args.ca else None)
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
    p.add_argument("--ca", default=None, metavar="FILE",
                   help="PEM certificate of the private CA that issued the hub's certificate (kept and used for every sync)")
    p.add_argument("--insecure-http", action="store_true",
                   help="allow a plain http:// hub address that is not this machine (test networks only)")
    p.set_defaults(handler=cmd_enrol)

    p = sub.add_parser("sync", help="push queued records and pull the hub's answers")
    add_data_dir(p)
    p.add_argument("--once", action="store_true", help="one pass, then exit (0 only when fully in sync)")
    p.add_argument("--hub", default=None, help="override the enrolled hub address (e.g. via a proxy)")
    p.set_defaults(handler=cmd_sync)
