"""One request as the console shows it, and the staff actions on it.

Actions (受理 receive, 分派 assign, 办理中 in progress, 办结 close with a reply, 退回 reject with a
reason) go through server/services/feed.py, so each lands in the station's pull feed and is shown
and read aloud in 我的办件. The resident's identity is decrypted only when the caller says the
viewer may see it; the route decides that from the role and audits the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.core.keys import HubKeys
from server.db.models import Attachment, HelpCallAck, RequestHistory, ServiceRequest, StaffUser, Station
from server.services import feed
from server.services.errors import HubError
from server.services.records import payload_aad
from sync.protocol import HubStatus
from sync.sealing import SealError, open_sealed, record_aad

# action → (statuses it may start from, status it leads to)
ACTIONS: dict[str, tuple[tuple[str, ...], HubStatus]] = {
    "receive": (("new",), HubStatus.RECEIVED),
    "progress": (("new", "received"), HubStatus.IN_PROGRESS),
    "close": (("new", "received", "in_progress"), HubStatus.DONE),
    "reject": (("new", "received", "in_progress"), HubStatus.REJECTED),
}
ASSIGNABLE = ("new", "received", "in_progress")


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str | None


@dataclass(frozen=True)
class Photo:
    sha256: str
    size: int
    complete: bool


@dataclass
class RequestView:
    id: str
    station_id: str
    station: str
    kind: str
    service: str
    receipt_code: str
    status: str
    received_at: datetime
    created_at: datetime
    department: str | None
    assignee: str | None
    reply: str | None
    fields: dict[str, Any]
    resident: dict[str, Any] | None  # None unless the viewer may see personal data
    history: list[HistoryItem]
    photos: list[Photo]
    acked_at: datetime | None


def get_request(session: Session, request_id: str, *, for_update: bool = False) -> ServiceRequest:
    """The request, row-locked when `for_update` (the write paths), or a 404 the console can show."""
    req = session.get(ServiceRequest, request_id, with_for_update=for_update)
    if req is None:
        raise HubError(404, "unknown_request", f"no request {request_id}")
    return req


def payload_of(keys: HubKeys, req: ServiceRequest) -> dict[str, Any]:
    value = keys.decrypt_json(req.payload_enc, payload_aad(req.id))
    return value if isinstance(value, dict) else {}


def load_view(session: Session, keys: HubKeys, request_id: str, *, with_identity: bool) -> RequestView:
    req = get_request(session, request_id)
    payload = payload_of(keys, req)
    station = session.get(Station, req.station_id)
    assignee = session.get(StaffUser, req.assigned_to) if req.assigned_to else None
    history = [
        HistoryItem(
            at=h.at,
            actor=h.actor,
            from_status=h.from_status,
            to_status=h.to_status,
            note=keys.decrypt_json(h.note_enc, f"request_history/note/{req.id}/{_aad_time(h.at)}")
            if h.note_enc
            else None,
        )
        for h in session.scalars(
            select(RequestHistory).where(RequestHistory.request_id == req.id).order_by(RequestHistory.id)
        )
    ]
    fields = payload.get("fields")
    notes = voice_note_hashes(
        fields
    )  # voice notes are attachments too, played on the page, not shown as photos
    photos = [
        Photo(a.sha256, a.size, a.complete)
        # Only the record's own station can attach photos to it (issue 10 §3).
        for a in session.scalars(
            select(Attachment).where(Attachment.record_id == req.id, Attachment.station_id == req.station_id)
        )
        if a.sha256 not in notes
    ]
    ack = session.scalars(select(HelpCallAck).where(HelpCallAck.request_id == req.id)).first()
    return RequestView(
        id=req.id,
        station_id=req.station_id,
        station=station.name if station else req.station_id,
        kind=req.kind,
        service=req.service,
        receipt_code=req.receipt_code,
        status=req.status,
        received_at=req.received_at,
        created_at=req.station_created_at,
        department=req.department,
        assignee=assignee.username if assignee else None,
        reply=keys.decrypt_json(req.reply_enc, f"requests/reply/{req.id}") if req.reply_enc else None,
        fields=fields if isinstance(fields, dict) else {},
        resident=dict(payload.get("resident") or {}) if with_identity else None,
        history=history,
        photos=photos,
        acked_at=ack.acked_at if ack else None,
    )


def _aad_time(at: datetime) -> str:
    # feed.update_request_status binds the note to the aware timestamp it wrote.
    return at.astimezone(UTC).isoformat()


def act(
    session: Session, keys: HubKeys, request_id: str, action: str, text: str | None, actor: str
) -> ServiceRequest:
    """Apply one of ACTIONS; a reply is required to close and a reason to reject."""
    if action not in ACTIONS:
        raise HubError(422, "bad_action", f"unknown action {action}")
    allowed_from, target = ACTIONS[action]
    req = get_request(session, request_id, for_update=True)
    if req.status not in allowed_from:
        raise HubError(409, "bad_transition", f"a request that is {req.status} cannot be {action}d")
    text = (text or "").strip() or None
    if action in ("close", "reject") and not text:
        raise HubError(422, "reply_required", "办结需要答复，退回需要理由")
    if text and len(text) > 1000:
        raise HubError(422, "reply_too_long", "reply over 1000 characters")
    if req.kind == "help_call" and req.status == "new":
        # The station shows "有人回应了" as soon as staff take the call.
        feed.ack_help_call(session, keys, req.id, actor, text if action == "receive" else None)
    return feed.update_request_status(session, keys, req.id, target, text, actor)


def assign(
    session: Session, keys: HubKeys, request_id: str, department: str, assignee_id: int | None, actor: str
) -> ServiceRequest:
    """分派: record the department/person; the station sees at least 已受理."""
    req = get_request(session, request_id, for_update=True)
    if req.status not in ASSIGNABLE:
        raise HubError(409, "bad_transition", "a closed request cannot be assigned")
    department = department.strip()[:64]
    assignee = session.get(StaffUser, assignee_id) if assignee_id else None
    if not department and assignee is None:
        raise HubError(422, "assignee_required", "choose a department or a person")
    req.department = department or req.department
    req.assigned_to = assignee.id if assignee else req.assigned_to
    note = "分派：" + " / ".join(x for x in (department, assignee.username if assignee else "") if x)
    status = "received" if req.status == "new" else req.status
    return feed.record_status(session, keys, req, status, note, actor)


def open_photo(session: Session, keys: HubKeys, request_id: str, sha256: str) -> tuple[bytes, str]:
    """The decrypted photo bytes and their media type. Stations seal photos to the hub key with
    the associated data of their record (`record_aad(record_id, "attachment")`)."""
    from server.db.models import AttachmentChunk

    req = get_request(session, request_id)
    att = session.get(Attachment, (req.station_id, sha256))
    if att is None or att.record_id != req.id or not att.complete:
        raise HubError(404, "unknown_attachment", "no complete photo with this hash for this request")
    blob = b"".join(
        session.scalars(
            select(AttachmentChunk.data)
            .where(AttachmentChunk.station_id == req.station_id, AttachmentChunk.sha256 == sha256)
            .order_by(AttachmentChunk.offset)
        )
    )
    try:
        plain = open_sealed(blob, keys.private_key, record_aad(req.id, "attachment"))
    except SealError:
        raise HubError(422, "unreadable_attachment", "this photo does not open with the hub key") from None
    return plain, _media_type(plain)


def voice_note_hashes(fields: Any) -> set[str]:
    """SHA-256s of the voice notes a request's fields point at (`{"audio_sha256": …}` values)."""
    if not isinstance(fields, dict):
        return set()
    return {str(v["audio_sha256"]) for v in fields.values() if isinstance(v, dict) and v.get("audio_sha256")}


def open_voice_note(session: Session, keys: HubKeys, request_id: str, sha256: str) -> bytes:
    """The decrypted Ogg/Opus bytes of a voice note this request's fields name; anything else is a 404."""
    req = get_request(session, request_id)
    if sha256 not in voice_note_hashes(payload_of(keys, req).get("fields")):
        raise HubError(404, "unknown_attachment", "this request has no such voice note")
    data, media = open_photo(session, keys, request_id, sha256)
    if media != "audio/ogg":
        raise HubError(404, "unknown_attachment", "this attachment is not a voice note")
    return data


def _media_type(data: bytes) -> str:
    if data[:4] == b"OggS":
        return "audio/ogg"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"
