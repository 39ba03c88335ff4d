"""Station administration commands: init, demo, resident import, status, audit verify, passphrase
change, key rotation, purge and export."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from desktop.commands.common import (
    add_data_dir,
    passphrase,
    station_errors,
    with_station,
)
from desktop.errors import UserFacingError

ADMIN_CLI = ("admin", "cli")


def _actor() -> Any:
    from models.station import Actor

    return Actor(*ADMIN_CLI)


def cmd_init(args: argparse.Namespace) -> int:
    from models.station import Station

    with station_errors():
        station = Station.create(args.data_dir, passphrase(confirm=True), name=args.station_name,
                                 locale=args.locale, prefix=args.prefix)
    station.close()
    print(f"station “{args.station_name}” created in {args.data_dir}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from models.demo import create_demo

    with station_errors():
        info = create_demo(args.data_dir, residents=args.residents, requests=args.requests)
    print(f"demo station ready in {info.data_dir}")
    print(f"  passphrase:     {info.passphrase}")
    print(f"  volunteer PIN:  {info.volunteer_pin}")
    print(f"  admin PIN:      {info.admin_pin}")
    print(f"  {info.residents} demo residents, {info.requests} requests (generated, not real people);")
    print("  3 of them show answers from a pretend hub so 我的办件 has something to show — demo only")
    return 0


def _import(station: Any, args: argparse.Namespace) -> int:
    from models.roster import RosterError, import_roster

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise UserFacingError(f"cannot read {args.file}: {exc.strerror}") from None
    try:
        report = import_roster(station, data, _actor())
    except RosterError as exc:
        raise UserFacingError(f"{args.file}: {exc}") from None
    for line, reason in report.errors:
        print(f"{args.file}:{line}: {reason}")
    print(f"imported {report.imported} residents, {len(report.errors)} rows need attention")
    return 0 if report.ok else 1


def _status(station: Any, args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from models.schema import OutboxItem, OutboxState, SyncState

    with station.read() as session:
        outbox = session.execute(
            select(func.count()).select_from(OutboxItem).where(OutboxItem.state != OutboxState.SENT)
        ).scalar_one()
        sync = session.get(SyncState, 1)
    status = {
        "station": station.setting("station_name"),
        "residents": station.residents.count(),
        "requests": station.requests.counts_by_state(),
        "outbox": int(outbox),
        "waiting": station.requests.count_waiting(),
        "last_sync": sync.last_success_at.isoformat() if sync and sync.last_success_at else None,
        "key_id": station.keyfile.active_id,
    }
    if args.json:
        print(json.dumps(status, ensure_ascii=False))
    else:
        for key, value in status.items():
            print(f"{key:>10}: {value}")
    return 0


def _audit_verify(station: Any, args: argparse.Namespace) -> int:
    with station.read() as session:
        findings = station.audit.verify(session)
        total = station.audit.count(session)
    if not findings:
        print(f"audit chain intact: {total} events")
        return 0
    for finding in findings:
        print(f"TAMPERED {finding}")
    return 1


def cmd_passphrase_change(args: argparse.Namespace) -> int:
    from models.keyfile import KeyFile
    from models.station import Station

    old = passphrase()
    new = passphrase("New passphrase: ", env="YIZHAN_NEW_PASSPHRASE", confirm=True)
    with station_errors():
        station = Station.open(args.data_dir, old)
        try:
            try:
                KeyFile.load(station.keyfile.path).change_passphrase(old, new)
            except ValueError as exc:
                raise UserFacingError(str(exc)) from None
            with station.write() as session:
                station.audit.append(session, "admin:cli", "passphrase_change", "station")
        finally:
            station.close()
    print("passphrase changed (data keys re-wrapped; no record was rewritten)")
    return 0


def _rotate(station: Any, args: argparse.Namespace) -> int:
    from models.rotation import rotate_data_key

    result = rotate_data_key(station, _actor(), batch=args.batch)
    print(json.dumps(result))
    return 0


def _purge(station: Any, args: argparse.Namespace) -> int:
    from models.retention import purge

    count = purge(station, _actor(), days=args.days, dry_run=args.dry_run)
    print(f"{'would purge' if args.dry_run else 'purged'} {count} closed, acknowledged records")
    return 0


def _export(station: Any, args: argparse.Namespace) -> int:
    from models.export import write_export

    secret = os.environ.get("YIZHAN_EXPORT_PASSPHRASE") or passphrase()
    try:
        counts = write_export(station, args.out, secret, _actor())
    except ValueError as exc:
        raise UserFacingError(str(exc)) from None
    print(f"encrypted export written to {args.out}: {counts['residents']} residents, {counts['requests']} requests")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="create a new station")
    add_data_dir(p, required=True)
    p.add_argument("--station-name", required=True)
    p.add_argument("--locale", choices=("zh_CN", "en", "ko"), default="zh_CN")
    p.add_argument("--prefix", default="A01", help="receipt-code prefix, unique per station (e.g. A07)")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("demo", help="create a ready demo station")
    add_data_dir(p, required=True)
    p.add_argument("--residents", type=int, default=30)
    p.add_argument("--requests", type=int, default=12)
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("resident", help="resident roster")
    rsub = p.add_subparsers(dest="resident_command", required=True)
    q = rsub.add_parser("import", help="import residents from a CSV roster")
    add_data_dir(q)
    q.add_argument("file", type=Path)
    q.set_defaults(handler=with_station(_import))

    p = sub.add_parser("status", help="counts, outbox and key id")
    add_data_dir(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=with_station(_status))

    p = sub.add_parser("audit", help="audit log")
    asub = p.add_subparsers(dest="audit_command", required=True)
    q = asub.add_parser("verify", help="check the audit hash chain")
    add_data_dir(q)
    q.set_defaults(handler=with_station(_audit_verify))

    p = sub.add_parser("passphrase", help="station passphrase")
    psub = p.add_subparsers(dest="passphrase_command", required=True)
    q = psub.add_parser("change", help="change the passphrase (YIZHAN_NEW_PASSPHRASE or prompt)")
    add_data_dir(q)
    q.set_defaults(handler=cmd_passphrase_change)

    p = sub.add_parser("key", help="data keys")
    ksub = p.add_subparsers(dest="key_command", required=True)
    q = ksub.add_parser("rotate", help="new data key; re-encrypt in batches")
    add_data_dir(q)
    q.add_argument("--batch", type=int, default=500)
    q.set_defaults(handler=with_station(_rotate))

    p = sub.add_parser("purge", help="crypto-shred closed, acknowledged records past retention")
    add_data_dir(p)
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--days", type=int, default=None)
    p.set_defaults(handler=with_station(_purge))

    p = sub.add_parser("export", help="encrypted, audited export")
    add_data_dir(p)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(handler=with_station(_export))
