"""`yizhan enrol` and `yizhan sync`: join a hub with a one-time code, and sync (one pass or until Ctrl-C)."""

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
    from sync.client import SyncError
    from sync.credentials import enrol_station
    from sync.demo_guard import DemoStationRefused, check_demo_enrol

    if args.insecure_http and not args.hub.startswith("https://"):
        print(
            "warning: --insecure-http: the station secret and every answer will cross the network "
            "unencrypted; anyone on the path can read them. Use this only on a test network.",
            file=sys.stderr,
        )
    if args.ca and not os.path.isfile(args.ca):
        raise UserFacingError(f"CA certificate file not found: {args.ca}")
    station = open_station(args)
    try:
        try:
            check_demo_enrol(
                station, args.hub, demo_ok=args.demo_ok, ca_file=os.path.abspath(args.ca) if args.ca else None
            )
        except DemoStationRefused as exc:
            raise UserFacingError(str(exc)) from None
        try:
            with station_errors():
                credential = enrol_station(
                    station,
                    args.hub,
                    args.code,
                    Actor("admin", "cli"),
                    insecure_http=args.insecure_http,
                    ca_file=os.path.abspath(args.ca) if args.ca else None,
                )
        except SyncError as exc:
            raise UserFacingError(f"enrolment failed: {exc}") from None
    finally:
        station.close()
    print(f"enrolled with {credential.hub_url} as “{credential.station_name}” ({credential.station_id})")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    """`--once`: one pass, a JSON summary, exit 0 only when fully in sync. Without it: sync in the
    foreground with the kiosk's back-off until Ctrl-C (exit 0) or a refusal only a person can fix
    (exit 3, with the reason in plain words)."""
    station = open_station(args)
    try:
        with station_errors():
            return _sync_once(station, args.hub) if args.once else _sync_forever(station, args.hub)
    finally:
        station.close()


def _stop_message(state: str) -> str:
    from ui import i18n

    return i18n.tr(i18n.DEFAULT, f"sync.stopped.{state}")


def _sync_once(station: Any, hub_url: str | None) -> int:
    from sync.engine import SyncEngine
    from sync.loop import stop_state

    engine = SyncEngine(station, hub_url=hub_url)
    try:
        report = engine.run_once()
    except Exception as exc:
        state = stop_state(exc)
        if state is None:
            raise
        raise UserFacingError(f"{_stop_message(state)} ({exc})", 3) from None
    finally:
        engine.close()
    summary: dict[str, Any] = {
        "complete": report.complete,
        "sealed": report.sealed,
        "acknowledged": report.acknowledged,
        "quarantined": report.quarantined,
        "pulled": report.pulled,
        "parked": report.parked,
        "waiting": report.waiting,
        "cursor": report.cursor,
        "cursor_reset": report.cursor_reset,
        "error": report.error,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if report.complete else 1


def _sync_forever(station: Any, hub_url: str | None) -> int:
    import threading

    from sync.engine import SyncEngine
    from sync.loop import SyncLoop, SyncSnapshot

    stopped = threading.Event()

    def show(snap: SyncSnapshot) -> None:
        if snap.syncing:
            return
        if snap.stopped:
            print(f"sync stopped: {_stop_message(snap.stopped)}", flush=True)
            stopped.set()
        elif snap.last_error:
            print(
                f"sync failed ({snap.failures} in a row): {snap.last_error}; "
                f"next try in {snap.next_attempt_in:.0f} s; waiting {snap.waiting}",
                flush=True,
            )
        else:
            print(f"in sync: waiting {snap.waiting}, changes for a volunteer {snap.parked}", flush=True)

    loop = SyncLoop(station, engine=SyncEngine(station, hub_url=hub_url), on_change=show)
    loop.start()
    print("syncing in the foreground; press Ctrl-C to stop", flush=True)
    try:
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("stopping after the current exchange …", flush=True)
        loop.stop(timeout=120)
        print("sync stopped", flush=True)
        return 0
    loop.stop(timeout=120)
    return 3


def register(sub: Any) -> None:
    p = sub.add_parser("enrol", help="join a hub with a one-time enrolment code")
    add_data_dir(p)
    p.add_argument("--hub", required=True, help="hub address, e.g. https://hub.example.gov.cn")
    p.add_argument("--code", required=True, help="one-time code from `yizhan-hub enrol-code`")
    p.add_argument(
        "--demo-ok", action="store_true", help="let a demo station join a hub that is not a demo hub"
    )
    p.add_argument(
        "--ca",
        default=None,
        metavar="FILE",
        help=(
            "PEM certificate of the private CA that issued the hub's certificate "
            "(kept and used for every sync)"
        ),
    )
    p.add_argument(
        "--insecure-http",
        action="store_true",
        help="allow a plain http:// hub address that is not this machine (test networks only)",
    )
    p.set_defaults(handler=cmd_enrol)

    p = sub.add_parser("sync", help="push queued records and pull the hub's answers")
    add_data_dir(p)
    p.add_argument(
        "--once",
        action="store_true",
        help="one pass, then exit (0 only when fully in sync); without it, sync until Ctrl-C",
    )
    p.add_argument("--hub", default=None, help="override the enrolled hub address (e.g. via a proxy)")
    p.set_defaults(handler=cmd_sync)
