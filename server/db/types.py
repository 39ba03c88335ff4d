"""The hub's one timestamp column type.

PostgreSQL's `timestamptz` hands back aware datetimes, SQLite's text timestamps come back naive:
`UtcDateTime` makes both backends return aware UTC datetimes, so the services compare and format
column values without a per-module "make it aware" helper. It stores exactly what
`DateTime(timezone=True)` stored (same DDL, no migration): aware values are turned to UTC first
(SQLite would otherwise keep the wall-clock time and drop the offset), naive ones are taken as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def assume_utc(at: datetime) -> datetime:
    """A naive `at` read as UTC (the hub's convention); an aware one is returned as it is, offset and
    all. Only for values that do not come from a mapped column: wire payloads, form input, callers'
    clocks (column values are already aware, see `UtcDateTime`)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


class UtcDateTime(TypeDecorator[datetime]):
    """`DateTime(timezone=True)` that always hands back aware UTC datetimes, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else assume_utc(value).astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else assume_utc(value).astimezone(UTC)
