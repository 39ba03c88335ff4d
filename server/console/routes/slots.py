"""Appointment slots: publish capacity per service and day; settle overbooked slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from server.api.deps import get_state
from server.api.state import HubState
from server.console import catalogue
from server.console.auth import PostViewerDep, ViewerDep, console_settings
from server.console.web import back, render, run_then_back
from server.core.db import transaction
from server.db.models import Station
from server.services import console_audit, console_slots

router = APIRouter(include_in_schema=False)
StateDep = Annotated[HubState, Depends(get_state)]


@router.get("/console/slots")
def slots_page(request: Request, viewer: ViewerDep, state: StateDep) -> Response:
    viewer.require("slots")
    tz = console_settings(request).tz
    today = datetime.now(UTC).astimezone(tz).date()
    since = datetime.combine(today, time(0), tz).astimezone(UTC)
    with transaction(state.sessions) as session:
        slots = console_slots.list_slots(session, since)
        stations = [
            (sid, name)
            for sid, name in session.execute(select(Station.id, Station.name).order_by(Station.name))
        ]
    day, start, end = console_slots.default_times(datetime.now(UTC), tz)
    return render(
        request,
        viewer,
        "slots.html",
        slots=slots,
        stations=stations,
        today=today,
        default_day=day,
        default_start=f"{start:%H:%M}",
        default_end=f"{end:%H:%M}",
        options=catalogue.appointment_options(viewer.lang),
        overbooked=[s for s in slots if s.overbooked],
    )


@router.post("/console/slots")
async def create(request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("slots")
    form = await request.form()
    tz = console_settings(request).tz
    try:
        day = date.fromisoformat(str(form.get("day", "")))
        start, end = (
            time.fromisoformat(str(form.get("start", ""))),
            time.fromisoformat(str(form.get("end", ""))),
        )
        capacity = int(str(form.get("capacity", "0")))
    except ValueError:
        return back("/console/slots", "error")
    stations = [str(v) for v in form.getlist("stations")] if form.get("audience") == "some" else None

    def create_work() -> None:
        with transaction(state.sessions) as session:
            made = console_slots.create_slots(
                session,
                state.keys,
                option=str(form.get("option", "")),
                day=day,
                start=start,
                end=end,
                capacity=capacity,
                stations=stations or None,
                tz=tz,
            )
            for slot in made:
                console_audit.record(
                    session, viewer.actor, "slot_publish", f"slot:{slot.id}", station_id=slot.station_id
                )

    return await run_then_back(create_work, "/console/slots", "slots")


@router.post("/console/slots/{slot_id}/capacity")
async def capacity(slot_id: int, request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("slots")
    form = await request.form()
    value = str(form.get("capacity", ""))
    if not value.isdigit():
        return back("/console/slots", "error")

    def work() -> None:
        with transaction(state.sessions) as session:
            console_slots.set_capacity(session, state.keys, slot_id, int(value))
            console_audit.record(session, viewer.actor, "slot_capacity", f"slot:{slot_id}", detail=value)

    return await run_then_back(work, "/console/slots", "saved")


@router.post("/console/slots/resolve")
async def resolve(request: Request, viewer: PostViewerDep, state: StateDep) -> Response:
    viewer.require("slots")
    form = await request.form()
    request_id, decision = str(form.get("request", "")), str(form.get("decision", ""))
    target = str(form.get("target", ""))
    tz = console_settings(request).tz

    def work() -> None:
        with transaction(state.sessions) as session:
            console_slots.resolve(
                session,
                state.keys,
                request_id,
                decision,
                actor=viewer.label,
                tz=tz,
                target_slot=int(target) if target.isdigit() else None,
                reason=str(form.get("reason", "")).strip() or None,
            )
            console_audit.record(
                session, viewer.actor, f"booking_{decision}", f"request:{request_id}", detail=target or None
            )

    return await run_then_back(work, "/console/slots", "saved")
