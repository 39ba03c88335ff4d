"""Enrolment without the code on the wire: find the code a station's proof was derived from.

The station sends `enrol_proof(sha256(code))` (sync/protocol.py), never the code. The hub keeps
only each code's SHA-256, so it derives the proof of every live code (unused, unexpired: a handful
at any time) and compares in constant time. The answer then seals the station secret and binds
the hub's keys with keys derived from the same digest.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import EnrolmentCode
from sync.protocol import enrol_proof

_MAX_LIVE_CODES = 10_000  # far above any real county; bounds the work one try can cause


def digest_for_proof(session: Session, proof: str) -> str | None:
    """The stored code digest whose proof is `proof`, or None (unknown, used or expired)."""
    now = datetime.now(UTC)
    live = session.scalars(
        select(EnrolmentCode.code_hash)
        .where(EnrolmentCode.used_at.is_(None), EnrolmentCode.expires_at > now)
        .limit(_MAX_LIVE_CODES)
    )
    found = None
    for digest in live:
        if hmac.compare_digest(enrol_proof(digest), proof):
            found = digest
    return found
