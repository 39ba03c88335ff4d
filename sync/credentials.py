"""Where the station keeps its enrolment: the `sync_state` row, with the credential (it signs every
request, and pins the hub's sealing and signing keys) encrypted under the station data key like any
other secret. A credential loaded here persists new signing-key pins itself when the hub rotates
its key (`StationCredential.on_pins`)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from models.schema import (
    AuditEvent,
    OutboxAttachment,
    OutboxItem,
    OutboxState,
    PulledChange,
    RequestState,
    ServiceRequest,
    SyncState,
)
from sync.client import StationCredential, enrol

if TYPE_CHECKING:
    from models.station import Actor, Station

TABLE, COLUMN, ROW = "sync_state", "credential", "1"


def enrol_station(
    station: Station, hub_url: str, code: str, actor: Actor, **options: Any
) -> StationCredential:
    """Join a hub, the one way the CLI and the kiosk do it: enrol asking for this station's receipt
    prefix, keep the credential (taking the prefix the hub gave), remember the hub's address.
    `options` go to `sync.client.enrol` (insecure_http, ca_file, timeouts)."""
    prefix = str(station.setting("station_prefix"))
    credential = enrol(
        hub_url, code, receipt_prefix=prefix, prefix_fixed=_codes_given_out(station), **options
    )
    save_credential(station, credential, actor)
    station.update_settings(actor, hub_url=credential.hub_url)
    return credential


def _codes_given_out(station: Station) -> bool:
    """Has this station handed anyone a receipt code yet (its prefix can no longer change)?"""
    with station.read() as session:
        return (
            session.execute(
                select(ServiceRequest.id).where(ServiceRequest.receipt_code.is_not(None)).limit(1)
            ).first()
            is not None
        )


def save_credential(station: Station, credential: StationCredential, actor: Actor) -> None:
    """Keep the credential, encrypted; a hub that gave this station another receipt prefix than it
    asked for (another station holds that one) makes it the station's from the next receipt on."""
    with station.write() as session:
        if credential.receipt_prefix is not None:
            station.put_setting_raw(session, "station_prefix", credential.receipt_prefix)
        state = session.get(SyncState, 1) or SyncState(id=1, pull_cursor=0)
        new_hub = state.station_id is not None and (
            state.station_id != credential.station_id
            or state.hub_public_key != credential.hub_public_key.hex()
        )
        if new_hub:
            _forget_previous_hub(session, state)
        state.hub_url = credential.hub_url
        state.station_id = credential.station_id
        state.credential_ct = station.cipher.encrypt_text(credential.to_json(), TABLE, COLUMN, ROW)
        state.hub_public_key = credential.hub_public_key.hex()
        session.add(state)
        station.audit.append(
            session,
            actor.label,
            "enrol",
            "hub",
            station_id=credential.station_id,
            receipt_prefix=credential.receipt_prefix,
        )


def _forget_previous_hub(session: Any, state: Any) -> None:
    """Joining another hub (or a rebuilt one): its feed starts again from 0, and what the old hub never
    acknowledged must be sealed again to the new hub's key — nothing is lost, nothing skipped."""
    state.pull_cursor = 0
    session.execute(delete(PulledChange))
    unsent = select(OutboxItem).where(OutboxItem.state != OutboxState.SENT)
    items = list(session.execute(unsent).scalars())
    request_ids = [i.request_id for i in items if i.request_id]
    audit_seqs = [i.station_seq for i in items if i.kind == "audit_event"]
    session.execute(delete(OutboxItem).where(OutboxItem.state != OutboxState.SENT))
    session.execute(delete(OutboxAttachment).where(OutboxAttachment.uploaded_at.is_(None)))
    session.execute(
        update(ServiceRequest)
        .where(
            ServiceRequest.id.in_(request_ids),
            ServiceRequest.state.in_((RequestState.SENDING, RequestState.QUARANTINED)),
        )
        .values(state=RequestState.QUEUED, quarantine_reason=None)
    )
    session.execute(update(AuditEvent).where(AuditEvent.seq.in_(audit_seqs)).values(synced=False))


def load_credential(station: Station) -> StationCredential | None:
    with station.read() as session:
        state = session.get(SyncState, 1)
    if state is None or state.credential_ct is None:
        return None
    credential = StationCredential.from_json(
        station.cipher.decrypt_text(state.credential_ct, TABLE, COLUMN, ROW)
    )
    return replace(credential, on_pins=lambda updated: _save_pins(station, updated))


def _save_pins(station: Station, credential: StationCredential) -> None:
    """The hub rotated its signing key, vouched for by the key pinned before: pin the new set."""
    with station.write() as session:
        state = session.get(SyncState, 1)
        if state is None or state.station_id != credential.station_id:
            return
        state.credential_ct = station.cipher.encrypt_text(credential.to_json(), TABLE, COLUMN, ROW)
        station.audit.append(session, "sync", "pin_hub_signing_key", "hub", station_id=credential.station_id)
