"""Station administration commands: init (with the first admin), demo, resident import and list,
status, audit verify, passphrase change, key rotation, purge, export, backup and restore."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from desktop.commands.common import (
    ENV_ADMIN_PIN,
    add_data_dir,
    import_csv,
    kind_message,
    passphrase,
    pin,
    station_errors,
    with_station,
)
from desktop.errors import UserFacingError

ADMIN_CLI = ("admin", "cli")


def _actor() -> Any:
    from models.station import Actor

    return Actor(*ADMIN_CLI)


def check_new_pin(value: str, locale: str = "zh_CN", *, demo: bool = False) -> str:
    """Format and strength, plus: a real station never uses the PINs the demo publishes."""
    from models.demo import DEMO_ADMIN_PIN, DEMO_VOLUNTEER_PIN
    from models.validation import ValidationError
    from models.volunteers import PIN_WEAK, validate_pin

    try:
        validate_pin(value)
        if not demo and value in (DEMO_ADMIN_PIN, DEMO_VOLUNTEER_PIN):
            raise ValidationError(PIN_WEAK, "pin")
    except ValidationError as exc:
        raise UserFacingError(kind_message(exc, locale)) from None
    return value


def cmd_init(args: argparse.Namespace) -> int:
    from models.station import SYSTEM, Station
    from models.validation import ValidationError, clean_name

    try:
        admin_name = clean_name(args.admin_name)
    except ValidationError as exc:
        raise UserFacingError(kind_message(exc, args.locale)) from None
    secret = passphrase(confirm=True)
    # Everything is checked before the folder is made: a station never exists without its admin.
    admin_pin = check_new_pin(pin("First admin's PIN (4–8 digits): ", ENV_ADMIN_PIN), args.locale)
    with station_errors():
        station = Station.create(
            args.data_dir, secret, name=args.station_name, locale=args.locale, prefix=args.prefix
        )
        try:
            station.volunteers.add(admin_name, admin_pin, "admin", SYSTEM)
        finally:
            station.close()
    print(f"station “{args.station_name}” created in {args.data_dir}")
    print(f"first admin “{admin_name}” can sign in with the PIN just set (long-press the station name)")
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
    from models.roster import import_roster

    return import_csv(args.file, lambda data: import_roster(station, data, _actor()), "residents")


def _status(station: Any, args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from models.schema import OutboxItem, OutboxState, SyncState
    from models.station import RECEIPTS_LOST

    with station.read() as session:
        outbox = session.execute(
            select(func.count()).select_from(OutboxItem).where(OutboxItem.state != OutboxState.SENT)
        ).scalar_one()
        sync = session.get(SyncState, 1)
    demo = bool(station.setting("demo"))
    status = {
        "station": station.setting("station_name"),
        "data_dir": str(station.data_dir),
        "demo": demo,
        "residents": station.residents.count(),
        "requests": station.requests.counts_by_state(),
        "outbox": int(outbox),
        "waiting": station.requests.count_waiting(),
        "last_sync": sync.last_success_at.isoformat() if sync and sync.last_success_at else None,
        "key_id": station.keyfile.active_id,
        "receipts_lost": station.setting_raw(RECEIPTS_LOST, None),
    }
    if args.json:
        print(json.dumps(status, ensure_ascii=False))
        return 0
    if demo:
        print(
            "演示驿站 DEMO STATION — published passphrase and PINs, generated residents; "
            "never enrol it with a real hub"
        )
    lost = status.pop("receipts_lost")
    for key, value in status.items():
        print(f"{key:>10}: {value}")
    if lost:
        print(
            f"WARNING: the database is older than the receipt mark — requests {lost['first']}–{lost['last']} "
            "may have been lost (found {}); those receipt numbers will not be used again".format(
                lost["found_at"]
            )
        )
    return 0


def _resident_list(station: Any, args: argparse.Namespace) -> int:
    records = station.residents.list_all(_actor())
    damaged = [r for r in records if r.damaged]
    if args.json:
        rows = [
            {
                "id": r.id,
                "name": r.name,
                "id_number": r.masked_id,
                "living_alone": r.living_alone,
                "damaged": r.damaged,
            }
            for r in records
        ]
        print(json.dumps(rows, ensure_ascii=False))
    else:
        for r in records:
            if r.damaged:
                print(
                    f"DAMAGED  {r.id}  (a stored value failed its integrity check; restore it from a backup)"
                )
            else:
                print(f"{r.masked_id}  {r.name}{'  独居' if r.living_alone else ''}")
        print(f"{len(records)} residents, {len(damaged)} damaged")
    return 1 if damaged else 0


def _backup(station: Any, args: argparse.Namespace) -> int:
    from models.backup import make_backup

    result = make_backup(station.data_dir, args.out)
    with station.write() as session:
        station.audit.append(session, "admin:cli", "backup", "station", pages=result.pages)
    print(f"backup written: {result.database} and its key copy {result.keyfile}")
    print(f"restore with: yizhan restore --from {result.database} --data-dir DIR")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    import fcntl

    from models.backup import restore_backup
    from models.station import LOCK_NAME, Station

    data_dir: Path = args.data_dir
    secret = passphrase("Passphrase of the backup: ")
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserFacingError(
                "the station is open in another program (the kiosk or a sync); close it first"
            ) from None
        with station_errors():
            moved = restore_backup(args.source, data_dir, secret)
    finally:
        os.close(lock)
    for path in moved:
        print(f"kept the replaced file as {path}")
    with station_errors():
        station = Station.open(data_dir, secret)  # checks the receipt mark, records the unlock
        try:
            with station.write() as session:
                station.audit.append(session, "admin:cli", "restore", "station", source=args.source.name)
            lost = station.setting_raw("receipts_lost", None)
        finally:
            station.close()
    print(f"restored {args.source} into {data_dir}")
    if lost:
        print(
            f"requests {lost['first']}–{lost['last']} were made after this backup and are not in it; "
            "their receipt numbers will not be used again"
        )
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
    print(
        f"encrypted export written to {args.out}: "
        f"{counts['residents']} residents, {counts['requests']} requests"
    )
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "init", help="create a new station and its first admin (PIN: YIZHAN_ADMIN_PIN or prompt)"
    )
    add_data_dir(p)
    p.add_argument("--station-name", required=True)
    p.add_argument("--admin-name", default="管理员", help="the first admin's name (default: 管理员)")
    p.add_argument("--locale", choices=("zh_CN", "en", "ko"), default="zh_CN")
    p.add_argument("--prefix", default="A01", help="receipt-code prefix, unique per station (e.g. A07)")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("demo", help="create a ready demo station")
    add_data_dir(p)
    p.add_argument("--residents", type=int, default=30)
    p.add_argument("--requests", type=int, default=12)
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("resident", help="resident roster")
    rsub = p.add_subparsers(dest="resident_command", required=True)
    q = rsub.add_parser("import", help="import residents from a CSV roster")
    add_data_dir(q)
    q.add_argument("file", type=Path)
    q.set_defaults(handler=with_station(_import))
    q = rsub.add_parser("list", help="list residents (ID numbers masked); damaged records are flagged")
    add_data_dir(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=with_station(_resident_list))

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

    p = sub.add_parser("backup", help="consistent online backup (SQLite backup API) + key copy")
    add_data_dir(p)
    p.add_argument("--out", type=Path, required=True, help="backup file; FILE.key is written beside it")
    p.set_defaults(handler=with_station(_backup))

    p = sub.add_parser("restore", help="put a `yizhan backup` copy back (the replaced files are kept aside)")
    add_data_dir(p)
    p.add_argument(
        "--from", dest="source", type=Path, required=True, help="a file written by `yizhan backup`"
    )
    p.set_defaults(handler=cmd_restore)
