"""Online backup and restore of a station folder.

`make_backup` copies station.db through SQLite's backup API — a consistent snapshot even while the
kiosk and a sync are writing — into one self-contained file (rollback journal, no -wal beside it),
and copies the key file next to it as FILE.key: the database alone cannot be read without the keys
that wrapped it at that moment. Both are created 0600; the fields inside stay encrypted.

`restore_backup` puts such a copy back. The damaged files are moved aside, never deleted, and the
receipt mark (station.seq) stays, so receipt numbers handed out after the backup are never reused.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from models import db
from models.keyfile import KEYFILE_NAME, KeyFile

SIDE_FILES = ("-wal", "-shm")


class BackupError(Exception):
    """The backup or restore cannot go ahead; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    database: Path
    keyfile: Path
    pages: int


def key_copy_path(out: Path) -> Path:
    return out.with_name(out.name + ".key")


def _private_copy(src: Path, dst: Path) -> None:
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle, open(src, "rb") as source:
        shutil.copyfileobj(source, handle)
        handle.flush()
        os.fsync(handle.fileno())


def _quick_check(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA quick_check").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()


def make_backup(data_dir: Path, out: Path) -> BackupResult:
    out = Path(out)
    if out.exists() or key_copy_path(out).exists():
        raise BackupError(f"{out} already exists; choose a new file name (a backup never overwrites one)")
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    db.create_private(partial)
    try:
        source = sqlite3.connect(Path(data_dir) / db.DB_NAME)
        target = sqlite3.connect(partial)
        try:
            source.backup(target)  # one step: a single consistent snapshot
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            pages = int(target.execute("PRAGMA page_count").fetchone()[0])
        finally:
            target.close()
            source.close()
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        if (verdict := _quick_check(partial)) != "ok":
            raise BackupError(f"the copy failed its check ({verdict}); the station database may be damaged")
        _private_copy(Path(data_dir) / KEYFILE_NAME, key_copy_path(out))
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(out, key_copy_path(out), pages)


def check_backup(backup: Path, passphrase: str) -> None:
    """Refuse anything that is not a sound backup this passphrase unlocks."""
    if not backup.is_file():
        raise BackupError(f"no backup file at {backup}")
    if not key_copy_path(backup).is_file():
        raise BackupError(
            f"the key copy {key_copy_path(backup)} is missing (`yizhan backup` writes it beside the file)"
        )
    if (verdict := _quick_check(backup)) != "ok":
        raise BackupError(f"{backup} is not a sound station backup ({verdict})")
    KeyFile.load(key_copy_path(backup)).unlock(passphrase)  # raises WrongPassphrase


def restore_backup(backup: Path, data_dir: Path, passphrase: str) -> list[Path]:
    """Put a backup in place (the caller holds the station lock exclusively). Returns the files
    moved aside."""
    backup, data_dir = Path(backup), Path(data_dir)
    check_backup(backup, passphrase)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    moved: list[Path] = []
    for name in [db.DB_NAME + s for s in ("", *SIDE_FILES)] + [KEYFILE_NAME]:
        path = data_dir / name
        if path.exists():
            aside = data_dir / f"{name}.replaced-{stamp}"
            os.replace(path, aside)
            moved.append(aside)
    _private_copy(backup, data_dir / db.DB_NAME)
    _private_copy(key_copy_path(backup), data_dir / KEYFILE_NAME)
    return moved
