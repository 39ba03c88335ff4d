"""Casting a consultation vote on the station: sealed to the hub's key straight into the outbox.

The choice is never written anywhere the station can read it back: the envelope is sealed before
it is stored, and `models.consultations` keeps only that the voter took part. The vote then
travels like any record (idempotent push, per-item acknowledgement); the hub answers `duplicate`
when the same resident already voted at another station.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid

from sqlalchemy import func, select

from models import consultations
from models.schema import OutboxItem, OutboxState, Resident, SyncState, utcnow
from models.station import Station
from sync.protocol import RecordKind
from sync.sealing import seal_envelope


class VoteRefused(Exception):
    """Why a vote cannot be cast here: `reason` is "closed", "voted", "duplicate" or "not_enrolled"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def cast_vote(
    station: Station,
    consultation_id: str,
    id_number: str,
    option: int | None,
    suggestion: str | None,
) -> str:
    """Seal the vote into the outbox and record participation, in one transaction; returns the
    envelope id. Raises VoteRefused if the consultation is not open or this voter took part."""
    now = utcnow()
    with station.write() as session:
        row = session.get(consultations.ConsultationRow, consultation_id)
        if row is None or not consultations.is_open(row, now):
            raise VoteRefused("closed")
        state = session.get(SyncState, 1)
        if state is None or not state.hub_public_key:
            raise VoteRefused("not_enrolled")
        token = consultations.voter_token(station, session, consultation_id, id_number)
        earlier = session.get(consultations.Participation, (consultation_id, token))
        if earlier is not None:
            raise VoteRefused("duplicate" if earlier.duplicate else "voted")
        residents = int(session.execute(select(func.count()).select_from(Resident)).scalar_one())
        envelope_id = uuid.uuid4()
        # Only the day: the hub needs to know the vote came before the close, not when exactly.
        cast_on = dt.datetime.combine(now.date(), dt.time(), tzinfo=dt.UTC)
        env = seal_envelope(
            record_id=envelope_id,
            kind=RecordKind.CONSULT_VOTE,
            station_seq=0,
            created_at=cast_on,
            payload={
                "consultation_id": consultation_id,
                "voter_token": token,
                "option": option,
                "suggestion": (suggestion or "").strip() or None,
                "station_residents": residents,
            },
            hub_public_key=bytes.fromhex(state.hub_public_key),
        )
        session.add(
            OutboxItem(
                id=str(env.id),
                request_id=None,
                kind=env.kind.value,
                station_seq=0,
                created_at=cast_on.replace(tzinfo=None),
                sealed_payload=base64.b64decode(env.sealed_payload),
                sha256=env.sha256,
                state=OutboxState.QUEUED,
            )
        )
        consultations.record_participation(session, consultation_id, token, str(envelope_id))
        # Deliberately not an audit event: its time, synced to the hub, is a handle that ballots
        # must not have. The identify step already audited reading the resident.
    return str(envelope_id)
