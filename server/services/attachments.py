"""Content-addressed, chunked, resumable attachment uploads (photos), scoped per station.

A station announces (sha256, size), then PUTs chunks at the offset the hub reports as received;
after a dropped connection it asks for the state and continues from there. The bytes are what
the station sealed to the hub key, so the hub stores ciphertext and checks only the hash.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.db.models import Attachment, AttachmentChunk, EnvelopeRow
from server.services.errors import HubError
from sync.protocol import MAX_CHUNK_BYTES, PROTOCOL_VERSION, AttachmentStart, AttachmentState


def _state(att: Attachment) -> AttachmentState:
    return AttachmentState(
        protocol=PROTOCOL_VERSION,
        sha256=att.sha256,
        size=att.size,
        received=att.received,
        complete=att.complete,
    )


def start(session: Session, station_id: str, req: AttachmentStart) -> AttachmentState:
    if req.record_id is not None:
        owner = session.scalar(select(EnvelopeRow.station_id).where(EnvelopeRow.id == str(req.record_id)))
        if owner is not None and owner != station_id:
            # A photo may only join the uploading station's own record (the console also shows only
            # photos uploaded by the record's station, for uploads announced before the record).
            raise HubError(409, "not_your_record", "this record belongs to another station")
    att = session.get(Attachment, (station_id, req.sha256), with_for_update=True)
    if att is None:
        att = Attachment(
            station_id=station_id,
            sha256=req.sha256,
            size=req.size,
            received=0,
            complete=False,
            record_id=str(req.record_id) if req.record_id else None,
            created_at=datetime.now(UTC),
        )
        session.add(att)
        session.flush()
    elif att.size != req.size:
        raise HubError(409, "size_mismatch", "an upload with this sha256 exists with another size")
    return _state(att)


def state(session: Session, station_id: str, sha256: str) -> AttachmentState:
    att = session.get(Attachment, (station_id, sha256))
    if att is None:
        raise HubError(404, "unknown_attachment", "no such upload for this station")
    return _state(att)


def put_chunk(session: Session, station_id: str, sha256: str, offset: int, data: bytes) -> AttachmentState:
    # Row lock: two workers continuing the same upload must not both append at one offset.
    att = session.get(Attachment, (station_id, sha256), with_for_update=True)
    if att is None:
        raise HubError(404, "unknown_attachment", "start the upload first")
    if att.complete:
        return _state(att)
    if not data or len(data) > MAX_CHUNK_BYTES:
        raise HubError(413, "bad_chunk_size", f"a chunk must be 1..{MAX_CHUNK_BYTES} bytes")
    if offset != att.received:
        raise HubError(
            409, "offset_mismatch", f"expected offset {att.received}; ask for the state and resume"
        )
    if offset + len(data) > att.size:
        raise HubError(422, "too_long", "chunk goes past the announced size")
    session.add(AttachmentChunk(station_id=station_id, sha256=sha256, offset=offset, data=data))
    att.received = offset + len(data)
    if att.received == att.size:
        _finish(session, att)
    return _state(att)


def _finish(session: Session, att: Attachment) -> None:
    session.flush()
    digest = hashlib.sha256()
    for chunk in session.scalars(
        select(AttachmentChunk.data)
        .where(AttachmentChunk.station_id == att.station_id, AttachmentChunk.sha256 == att.sha256)
        .order_by(AttachmentChunk.offset)
    ):
        digest.update(chunk)
    if digest.hexdigest() != att.sha256:
        session.execute(
            delete(AttachmentChunk).where(
                AttachmentChunk.station_id == att.station_id, AttachmentChunk.sha256 == att.sha256
            )
        )
        att.received = 0
        # Committed as a reset (not raised) so the station restarts cleanly from offset 0.
        return
    att.complete = True
