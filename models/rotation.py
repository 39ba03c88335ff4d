"""Data-key rotation: a new key becomes active at once, then rows move to it in small batches (each its
own short transaction, so an interruption loses nothing), and the old key is dropped only when no
row uses it. An interrupted rotation resumes where it stopped on the next run. Rotation needs the
station to itself: it refuses while the kiosk or another program has the station open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from models.crypto import key_id_of
from models.schema import Resident, ServiceRequest, SyncState, Volunteer

if TYPE_CHECKING:
    from models.station import Actor, Station

# (model, primary key attribute, encrypted columns). Request payloads are under per-record keys:
# only the record key wrapper moves, which is what makes rotation cheap.
ENCRYPTED_COLUMNS: tuple[tuple[Any, str, str, tuple[str, ...]], ...] = (
    (
        Resident,
        "id",
        "residents",
        ("name", "id_number", "phone", "address", "birth_date", "emergency_contact"),
    ),
    (ServiceRequest, "id", "requests", ("record_key",)),
    (Volunteer, "id", "volunteers", ("name",)),
    (SyncState, "id", "sync_state", ("credential",)),
)


def _reencrypt_rows(
    station: Station, retiring: set[int], batch: int, progress: Callable[[int], None] | None
) -> int:
    from models.crypto import associated_data

    moved = 0
    for model, pk, table, columns in ENCRYPTED_COLUMNS:
        last = ""
        while True:
            with station.write() as session:
                key_col = getattr(model, pk)
                rows = (
                    list(
                        session.execute(
                            select(model).where(key_col > last).order_by(key_col).limit(batch)
                        ).scalars()
                    )
                    if model is not SyncState
                    else list(session.execute(select(model)).scalars())
                )
                if not rows:
                    break
                for row in rows:
                    for column in columns:
                        ct = getattr(row, f"{column}_ct")
                        if ct is None or key_id_of(ct) not in retiring:
                            continue
                        aad = associated_data(table, column, str(getattr(row, pk)))
                        setattr(
                            row, f"{column}_ct", station.cipher.encrypt(station.cipher.decrypt(ct, aad), aad)
                        )
                        moved += 1
                last = str(getattr(rows[-1], pk))
            if progress:
                progress(moved)
            if model is SyncState or len(rows) < batch:
                break
    return moved


def rotate_data_key(
    station: Station, actor: Actor, *, batch: int = 500, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Refuses (StationError) while another process has the station open: a running kiosk would
    keep writing under the old key, which this would then drop."""
    with station.exclusive():
        return _rotate(station, actor, batch, progress)


def _remaining(station: Station, retiring: set[int]) -> int:
    """Values still under a retiring key (must be 0 before the key may be dropped)."""
    count = 0
    with station.read() as session:
        for model, _pk, _table, columns in ENCRYPTED_COLUMNS:
            for row in session.execute(select(model)).scalars():
                count += sum(
                    1
                    for c in columns
                    if getattr(row, f"{c}_ct") is not None and key_id_of(getattr(row, f"{c}_ct")) in retiring
                )
    return count


def _rotate(
    station: Station, actor: Actor, batch: int, progress: Callable[[int], None] | None
) -> dict[str, int]:
    keyfile = station.keyfile
    if not keyfile.retiring:
        new_id, key = keyfile.add_data_key(station._kek)
        station.cipher.ring.keys[new_id] = key
        station.cipher.ring.active = new_id
    retiring = set(keyfile.retiring)
    moved = _reencrypt_rows(station, retiring, batch, progress)
    left = _remaining(station, retiring)
    if left:  # never drop a key a value still needs; the next run continues
        raise RuntimeError(f"{left} values are still under the old key; run the rotation again")
    keyfile.drop_retired(sorted(retiring))
    for kid in retiring:
        station.cipher.ring.keys.pop(kid, None)
    with station.write() as session:
        station.audit.append(
            session,
            actor.label,
            "key_rotate",
            "station",
            active=keyfile.active_id,
            retired=sorted(retiring),
            values=moved,
        )
    return {"active_key_id": keyfile.active_id, "reencrypted_values": moved, "retired": len(retiring)}
