"""The receipt-number high-water mark, kept in `station.seq` beside the database.

A receipt number once handed out must never be handed out again, even if the database loses its
newest commits (a crash plus a copy of station.db without its -wal file, or a restore from an older
backup). The mark lives outside the database, so a stale database cannot carry a stale mark with
it, and it is MACed under a key derived from the station keys, so it cannot be edited to a value
the station did not write. It is raised (fsync + atomic rename) inside the write transaction that
takes the number, before that transaction commits: the mark is never behind a committed number.
The record is fixed-size and overwritten in place, so each submission costs one fdatasync.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

from models.keyfile import atomic_write

MARK_NAME = "station.seq"
RECORD_SIZE = 128  # one small fixed-size record (well inside one disk sector)


class SeqMark:
    def __init__(self, data_dir: Path, key: bytes) -> None:
        self.path = Path(data_dir) / MARK_NAME
        self._key = key

    def _tag(self, value: int) -> str:
        return hmac.new(self._key, f"receipt-mark\x00{value}".encode(), hashlib.sha256).hexdigest()

    def read(self) -> int | None:
        """The recorded mark, or None when there is none or it was not written by this station."""
        try:
            raw = json.loads(self.path.read_bytes().decode("utf-8").strip())
            value = int(raw["receipt"])
            if hmac.compare_digest(self._tag(value), str(raw["tag"])):
                return value
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def raise_to(self, value: int) -> None:
        """Record that numbers up to `value` are taken (never lowers the mark)."""
        current = self.read()
        if current is not None and current >= value:
            return
        record = json.dumps({"receipt": value, "tag": self._tag(value)}).encode("utf-8").ljust(RECORD_SIZE)
        if current is None:
            atomic_write(self.path, record)  # first mark (or an unreadable one): a whole new file
            return
        # Later marks overwrite the one small record in place with a single fdatasync — a third of
        # the cost of write-rename-fsync-dir on every submission. A torn record fails its MAC and
        # reads as "no mark", which only skips one check; it can never lower a mark.
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.pwrite(fd, record, 0)
            os.fdatasync(fd)
        finally:
            os.close(fd)
