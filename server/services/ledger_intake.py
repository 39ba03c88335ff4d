"""Requests imported from a paper ledger (台账, `yizhan request import`) take the ledger's status.

The station seals `imported`, `ledger_date`, `ledger_status` (received, in_progress, done or
rejected) and `ledger_reply` into the record's fields. When the hub stores such a record it applies
the status as one step by the actor "paper ledger" (台账), with the reply, through the same path as
a staff action (feed.record_status): a history row, the request's status and reply, the statistics
rollups and the STATUS change the station pulls, all in the push transaction. Its office day for
statistics and topics is the ledger date (resident_index.index_pushed); its response times are
not the office's and are left out of the medians (services/request_rollups.py).

Each record is applied in its own savepoint: one that cannot be applied is logged and stays `new`
for staff to handle; it never fails the push (the record itself is stored and acknowledged).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from server.core.db import CHANGE_FEED_LOCK_KEY
from server.core.keys import HubKeys
from server.db.models import ServiceRequest
from server.services import feed
from sync.protocol import HubStatus

ACTOR = "paper ledger"
STATUSES = {s.value for s in HubStatus} - {HubStatus.NEW.value}
MAX_REPLY = 1000
log = logging.getLogger(__name__)


def ledger_step(fields: Any) -> tuple[str, str | None] | None:
    """(status, reply) a record's fields ask for, or None when it is not a ledger import with a status."""
    if not isinstance(fields, dict) or fields.get("imported") is not True:
        return None
    status = fields.get("ledger_status")
    if status not in STATUSES:
        return None
    reply = fields.get("ledger_reply")
    text = reply.strip()[:MAX_REPLY] if isinstance(reply, str) and reply.strip() else None
    return str(status), text


def wants_status(records: Sequence[Any]) -> bool:
    return any(ledger_step(r.payload.get("fields")) is not None for r in records)


def lock_feed(conn: Connection) -> None:
    """Take the change-feed lock (PostgreSQL) before a push that will apply ledger statuses touches
    the rollup rows: a status change takes the feed lock first too, so the two never deadlock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHANGE_FEED_LOCK_KEY})


def apply(conn: Connection, keys: HubKeys, records: Sequence[Any]) -> int:
    """Apply the ledger status of each freshly pushed record (resident_index.Pushed) that has one;
    returns how many were applied."""
    steps = [(r.id, step) for r in records if (step := ledger_step(r.payload.get("fields"))) is not None]
    if not steps:
        return 0
    applied = 0
    # A Session over the push's own connection works inside its transaction and never ends it.
    with Session(bind=conn, join_transaction_mode="rollback_only") as session:
        for request_id, (status, reply) in steps:
            try:
                with session.begin_nested():
                    req = session.get(ServiceRequest, request_id, with_for_update=True)
                    if req is None or req.status != HubStatus.NEW.value:
                        continue
                    feed.record_status(session, keys, req, status, reply, ACTOR, reply=reply)
                applied += 1
            except Exception:
                log.exception("ledger status of request %s not applied", request_id)
        session.flush()
    return applied
