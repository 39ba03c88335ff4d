"""The receipt-number high-water mark, kept in `station.seq` beside the database.

A receipt number once handed out must never be handed out again, even if the database loses its
newest commits (a crash plus a copy of station.db without its -wal file, or a restore from an older
backup). The mark lives outside the database, so a stale database cannot carry a stale mark with
it, and it is MACed under a key derived from the station keys, so it cannot be edited to a value
the station did not write. It is raised (fsync + atomic rename) inside the write transaction that
takes the number, before that transaction commits: the mark is never behind a committed number.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from models.keyfile import atomic_write

MARK_NAME = "station.seq"


class SeqMark:
    def __init__(self, data_dir: Path, key: bytes) -> None:
        self.path = Path(data_dir) / MARK_NAME
        self._key = key

    def _tag(self, value: int) -> str:
        return hmac.new(self._key, f"receipt-mark\x00{value}".encode(), hashlib.sha256).hexdigest()

    def read(self) -> int | None:
        """The recorded mark, or None when there is none or it was not written by this station."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
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
        atomic_write(self.path, json.dumps({"receipt": value, "tag": self._tag(value)}).encode("utf-8"))
