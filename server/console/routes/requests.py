"""A request's page and the actions on it. Viewing the resident's identity or a photo needs the
`personal` permission and is audited; so is every action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.api.deps import get_state
from server.api.state import HubState
from server.console.auth import Forbidden, PostViewerDep, Viewer, ViewerDep
from server.console.web import render, run_then_back, when
from server.core.db import transaction
from server.db.console_models import RequestFacts
from server.db.models import AppointmentSlot, ServiceRequest, StaffUser
from server.services import console_audit, console_requests
from server.services.errors import HubError

router = APIRouter(include_in_schema=False)
StateDep = Annotated[HubState, Depends(get_state)]
FLASH_BY_ACTION = {"receive": "received", "progress": "progress", "close": "closed", "reject": "rejected"}


def _in_scope(viewer: Viewer, station_id: str) -> None:
    if viewer.scope is not None and station_id not in viewer.scope:
        raise Forbidden("station")


@router.get("/console/requests/{request_id}")
def request_page(request_id: str, request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("queue")
    personal = request.query_params.get("show") == "personal"
    if personal:
        viewer.require("personal")
    with transaction(state.sessions) as session:
        try:
            view = console_requests.load_view(session, state.keys, request_id, with_identity=personal)
        except HubError:
            return render(request, viewer, "error.html", status_code=404, code=404, what="request")
        _in_scope(viewer, view.station_id)
        console_audit.record(
            session,
            viewer.actor,
            "view_personal" if personal else "view_request",
            f"request:{view.id}",
            station_id=view.station_id,
            detail="resident identity and submission" if personal else "submission",
        )
        slot_text = _slot_text(session, request, view.id)
        staff = [
            (u.id, u.username)
            for u in session.scalars(
                select(StaffUser).where(StaffUser.disabled.is_(False)).order_by(StaffUser.username)
            )
        ]
    return render(
        request,
        viewer,
        "request.html",
        r=view,
        personal=personal,
        staff=staff,
        actions=console_requests.ACTIONS,
        slot_text=slot_text,
    )


def _slot_text(session: Session, request: Request, request_id: str) -> str | None:
    """The booked slot as a time (after any move by staff), instead of the slot's number."""
    facts = session.get(RequestFacts, request_id)
    slot = (
        session.get(AppointmentSlot, int(facts.slot_id))
        if facts and facts.slot_id and facts.slot_id.isdigit()
        else None
    )
    if slot is None:
        return None
    return f"{when(slot.starts_at, request, '%Y-%m-%d %H:%M')}–{when(slot.ends_at, request, '%H:%M')}"


@router.post("/console/requests/{request_id}/act")
async def request_action(
    request_id: str, request: Request, viewer: PostViewerDep, state: StateDep
) -> Response:
    viewer.require("act")
    form = await request.form()
    action, text = str(form.get("action", "")), str(form.get("text", ""))

    def change(session: Session) -> ServiceRequest:
        _in_scope(viewer, console_requests.get_request(session, request_id).station_id)
        return console_requests.act(session, state.keys, request_id, action, text, viewer.label)

    flash = FLASH_BY_ACTION.get(action, "saved")
    return await _audited_change(request_id, viewer, state, change, f"request_{action}", flash)


@router.post("/console/requests/{request_id}/assign")
async def request_assign(
    request_id: str, request: Request, viewer: PostViewerDep, state: StateDep
) -> Response:
    viewer.require("assign")
    form = await request.form()
    department, person = str(form.get("department", "")), str(form.get("assignee", ""))

    def change(session: Session) -> ServiceRequest:
        assignee = int(person) if person.isdigit() else None
        return console_requests.assign(session, state.keys, request_id, department, assignee, viewer.label)

    return await _audited_change(
        request_id, viewer, state, change, "request_assign", "assigned", detail=department[:64] or None
    )


async def _audited_change(
    request_id: str,
    viewer: Viewer,
    state: HubState,
    change: Callable[[Session], ServiceRequest],
    audit_action: str,
    done_flash: str,
    detail: str | None = None,
) -> Response:
    """Run one change to a request and audit it in the same transaction, then back to its page."""

    def work() -> None:
        with transaction(state.sessions) as session:
            req = change(session)
            console_audit.record(
                session,
                viewer.actor,
                audit_action,
                f"request:{request_id}",
                station_id=req.station_id,
                detail=detail,
            )

    return await run_then_back(work, f"/console/requests/{request_id}", done_flash)


@router.get("/console/requests/{request_id}/photos/{sha256}")
def request_photo(request_id: str, sha256: str, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("personal")
    with transaction(state.sessions) as session:
        req = console_requests.get_request(session, request_id)
        _in_scope(viewer, req.station_id)
        data, media = console_requests.open_photo(session, state.keys, request_id, sha256)
        console_audit.record(
            session,
            viewer.actor,
            "view_photo",
            f"request:{request_id}",
            station_id=req.station_id,
            detail=sha256[:16],
        )
    return Response(data, media_type=media, headers={"Cache-Control": "no-store"})


@router.get("/console/requests/{request_id}/notes/{sha256}")
def request_voice_note(request_id: str, sha256: str, viewer: ViewerDep, state: StateDep) -> Response:
    """A resident's voice note for the page's <audio> element: anyone who may see the request may
    hear it (its description, spoken); each play is audited. Never cached by the browser."""
    viewer.require("queue")
    with transaction(state.sessions) as session:
        req = console_requests.get_request(session, request_id)
        _in_scope(viewer, req.station_id)
        data = console_requests.open_voice_note(session, state.keys, request_id, sha256)
        console_audit.record(
            session,
            viewer.actor,
            "play_voice_note",
            f"request:{request_id}",
            station_id=req.station_id,
            detail=sha256[:16],
        )
    return Response(data, media_type="audio/ogg", headers={"Cache-Control": "no-store"})
