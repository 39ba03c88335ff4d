"""Where the station keeps its enrolment: the `sync_state` row, with the credential (it signs every
request) encrypted under the station data key like any other secret."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sync.client import StationCredential

if TYPE_CHECKING:
    from models.station import Actor, Station

TABLE, COLUMN, ROW = "sync_state", "credential", "1"


def save_credential(station: Station, credential: StationCredential, actor: Actor) -> None:
    from models.schema import SyncState

    with station.write() as session:
        state = session.get(SyncState, 1) or SyncState(id=1, pull_cursor=0)
        state.hub_url = credential.hub_url
        state.station_id = credential.station_id
        state.credential_ct = station.cipher.encrypt_text(credential.to_json(), TABLE, COLUMN, ROW)
        state.hub_public_key = credential.hub_public_key.hex()
        session.add(state)
        station.audit.append(session, actor.label, "enrol", "hub", station_id=credential.station_id)


def load_credential(station: Station) -> StationCredential | None:
    from models.schema import SyncState

    with station.read() as session:
        state = session.get(SyncState, 1)
    if state is None or state.credential_ct is None:
        return None
    return StationCredential.from_json(station.cipher.decrypt_text(state.credential_ct, TABLE, COLUMN, ROW))
