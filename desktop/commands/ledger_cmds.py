"""`yizhan request import`: paper ledgers (台账) into the station, queued for sync (models/ledger.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop.commands.common import add_data_dir, with_station
from desktop.errors import UserFacingError


def _import(station: Any, args: argparse.Namespace) -> int:
    from models.ledger import LedgerError, import_ledger
    from models.station import Actor

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise UserFacingError(f"cannot read {args.file}: {exc.strerror}") from None
    try:
        report = import_ledger(station, data, Actor("admin", "cli"))
    except LedgerError as exc:
        raise UserFacingError(f"{args.file}: {exc}") from None
    for line, reason in report.errors:
        print(f"{args.file}:{line}: {reason}")
    print(
        f"imported {report.imported} requests (queued for sync, marked imported), "
        f"{len(report.errors)} rows need attention"
    )
    return 0 if report.ok else 1


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
