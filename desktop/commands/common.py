"""Helpers every station subcommand shares: the data-dir option, the passphrase, opening the station
with clear messages for the ways that can fail."""

from __future__ import annotations

import argparse
import errno
import getpass
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.errors import UserFacingError
from desktop.paths import data_dir as default_data_dir

if TYPE_CHECKING:
    from models.csv_import import ImportReport

ENV_PASSPHRASE = "YIZHAN_PASSPHRASE"
ENV_ADMIN_PIN = "YIZHAN_ADMIN_PIN"
ENV_STAFF_PIN = "YIZHAN_STAFF_PIN"


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    """--data-dir, defaulting to the one folder `yizhan run` uses too (desktop/paths.py)."""
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default_data_dir(),
        help="station data folder (default: $YIZHAN_DATA_DIR or %(default)s)",
    )


def passphrase(
    prompt: str = "Station passphrase: ", env: str = ENV_PASSPHRASE, *, confirm: bool = False
) -> str:
    value = os.environ.get(env)
    if value:
        return value
    try:
        value = getpass.getpass(prompt)
        if confirm and getpass.getpass("Again: ") != value:
            raise UserFacingError("the two passphrases differ; nothing was changed")
    except EOFError:
        raise UserFacingError(f"no passphrase: set {env} or run in a terminal") from None
    return value


def pin(prompt: str, env: str) -> str:
    """A PIN from the environment or typed twice at a prompt (never on the command line)."""
    value = os.environ.get(env)
    if value:
        return value.strip()
    try:
        value = getpass.getpass(prompt).strip()
        if getpass.getpass("Again: ").strip() != value:
            raise UserFacingError("the two PINs differ; nothing was changed")
    except EOFError:
        raise UserFacingError(f"no PIN: set {env} or run in a terminal") from None
    return value


def kind_message(exc: Any, locale: str = "zh_CN") -> str:
    """A ValidationError's message in the station's language, with the English beside it."""
    zh, en = exc.message(locale), exc.message("en")
    return zh if zh == en else f"{zh} ({en})"


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    text = str(getattr(exc, "orig", exc))
    # SQLite reports a full disk as SQLITE_FULL, and a refused write (quota, EFBIG) as an I/O error.
    return "database or disk is full" in text or "disk I/O error" in text


@contextmanager
def station_errors() -> Iterator[None]:
    """Turn the core's exceptions into one clear line each (the transaction already rolled back)."""
    from sqlalchemy.exc import DBAPIError

    from models.backup import BackupError
    from models.crypto import IntegrityError
    from models.keyfile import KeyFileError, WrongPassphrase
    from models.station import StationError
    from models.validation import ValidationError

    try:
        yield
    except WrongPassphrase:
        raise UserFacingError(
            "wrong passphrase — the station stays locked (this attempt is recorded)", 3
        ) from None
    except (KeyFileError, StationError, BackupError) as exc:
        raise UserFacingError(str(exc)) from None
    except ValidationError as exc:
        raise UserFacingError(kind_message(exc)) from None
    except IntegrityError as exc:
        raise UserFacingError(f"stored data failed its integrity check: {exc}", 4) from None
    except (DBAPIError, sqlite3.Error, OSError) as exc:
        if _disk_full(exc):
            raise UserFacingError(
                "the disk is full or cannot be written — nothing was saved; free some space and try again", 5
            ) from None
        text = str(getattr(exc, "orig", exc))
        if "file is not a database" in text or "malformed" in text:
            raise UserFacingError(
                f"the station database is damaged ({text.splitlines()[0]}); restore the newest copy made by "
                "`yizhan backup` with `yizhan restore --from FILE`",
                4,
            ) from None
        raise


def open_station(args: argparse.Namespace) -> Any:
    from models.station import Station

    data_dir: Path = args.data_dir
    if not data_dir.exists():
        raise UserFacingError(
            f"no station data folder at {data_dir} (run `yizhan init` or `yizhan demo` first)"
        )
    with station_errors():
        return Station.open(data_dir, passphrase())


def with_station(fn: Callable[[Any, argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        station = open_station(args)
        try:
            with station_errors():
                return fn(station, args)
        finally:
            station.close()

    return run


def import_csv(path: str | Path, importer: Callable[[bytes], ImportReport], imported_what: str) -> int:
    """`yizhan resident import` and `yizhan request import`: read the file, import it, print each
    row that needs attention as path:line: reason, then the count; exit 1 when any row needs it."""
    from models.csv_import import CsvFileError

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UserFacingError(f"cannot read {path}: {exc.strerror}") from None
    try:
        report = importer(data)
    except CsvFileError as exc:
        raise UserFacingError(f"{path}: {exc}") from None
    for line, reason in report.errors:
        print(f"{path}:{line}: {reason}")
    print(f"imported {report.imported} {imported_what}, {len(report.errors)} rows need attention")
    return 0 if report.ok else 1
