"""`yizhan staff add|list|reset-pin|disable`: volunteer and admin accounts from the command line.

PINs come from $YIZHAN_STAFF_PIN or a prompt typed twice, never from the command line (it would
stay in the shell history and in `ps`). Every change is an audit event by `admin:cli`.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from desktop.commands.common import ENV_STAFF_PIN, add_data_dir, pin, with_station
from desktop.commands.station import check_new_pin
from desktop.errors import UserFacingError


def _actor() -> Any:
    from models.station import Actor

    return Actor("admin", "cli")


def _find(station: Any, who: str) -> Any:
    """The one account with this name (or id); a clear message when none or several match."""
    matches = [v for v in station.volunteers.list() if who in (v.name, v.id)]
    if not matches:
        raise UserFacingError(f"no account named “{who}” (see `yizhan staff list`)")
    if len(matches) > 1:
        ids = ", ".join(v.id for v in matches)
        raise UserFacingError(f"several accounts are named “{who}”; give the id instead: {ids}")
    return matches[0]


def _add(station: Any, args: argparse.Namespace) -> int:
    locale = station.setting("locale")
    new_pin = check_new_pin(
        pin(f"PIN for {args.name} (4–8 digits): ", ENV_STAFF_PIN), locale, demo=bool(station.setting("demo"))
    )
    account = station.volunteers.add(args.name, new_pin, args.role, _actor())
    print(f"{args.role} “{args.name}” added ({account})")
    return 0


def _list(station: Any, args: argparse.Namespace) -> int:
    rows = station.volunteers.list()
    if args.json:
        print(
            json.dumps(
                [{"id": v.id, "name": v.name, "role": v.role, "active": v.active} for v in rows],
                ensure_ascii=False,
            )
        )
        return 0
    for v in rows:
        print(f"{v.name:<12} {v.role:<10} {'active' if v.active else 'disabled':<9} {v.id}")
    return 0


def _reset_pin(station: Any, args: argparse.Namespace) -> int:
    account = _find(station, args.who)
    new_pin = check_new_pin(
        pin(f"New PIN for {account.name}: ", ENV_STAFF_PIN),
        station.setting("locale"),
        demo=bool(station.setting("demo")),
    )
    station.volunteers.set_pin(account.id, new_pin, _actor())
    print(f"PIN of “{account.name}” changed")
    return 0


def _disable(station: Any, args: argparse.Namespace) -> int:
    account = _find(station, args.who)
    station.volunteers.deactivate(account.id, _actor())
    print(f"“{account.name}” can no longer sign in")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("staff", help="volunteer and admin accounts")
    ssub = p.add_subparsers(dest="staff_command", required=True)

    q = ssub.add_parser("add", help=f"add an account (PIN: {ENV_STAFF_PIN} or prompt)")
    add_data_dir(q)
    q.add_argument("name")
    q.add_argument("--role", choices=("volunteer", "admin"), default="volunteer")
    q.set_defaults(handler=with_station(_add))

    q = ssub.add_parser("list", help="every account: name, role, active")
    add_data_dir(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=with_station(_list))

    q = ssub.add_parser("reset-pin", help=f"set a new PIN (PIN: {ENV_STAFF_PIN} or prompt)")
    add_data_dir(q)
    q.add_argument("who", help="the account's name or id")
    q.set_defaults(handler=with_station(_reset_pin))

    q = ssub.add_parser("disable", help="stop an account from signing in (the last admin stays)")
    add_data_dir(q)
    q.add_argument("who", help="the account's name or id")
    q.set_defaults(handler=with_station(_disable))
