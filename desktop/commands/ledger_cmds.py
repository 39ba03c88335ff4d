"""`yizhan request import`: paper ledgers (台账) into the station, queued for sync (models/ledger.py)."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.commands.common import add_data_dir, import_csv, with_station


def _import(station: Any, args: argparse.Namespace) -> int:
    from models.ledger import import_ledger
    from models.station import Actor

    return import_csv(
        args.file,
        lambda data: import_ledger(station, data, Actor("admin", "cli")),
        "requests (queued for sync, marked imported)",
    )


def register(sub: Any) -> None:
    p = sub.add_parser("request", help="requests kept on this station")
    rsub = p.add_subparsers(dest="request_command", required=True)
    q = rsub.add_parser(
        "import",
        help="import a paper ledger (台账) CSV: date,service,id_number,category,"
        "description,status,reply (UTF-8 or GBK)",
    )
    add_data_dir(q)
    q.add_argument("file")
    q.set_defaults(handler=with_station(_import))
