"""Plugs the background sync loop (sync/loop.py) into the kiosk's SyncPort (ui/ports.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.ports import SyncStatus

if TYPE_CHECKING:
    from models.station import Station
    from sync.loop import SyncLoop


class LoopSyncPort:
    """The status strip's view of sync: online from the last pass, waiting counted from the database
    (so a record saved a second ago shows at once), why sync stopped (if it did), how many pulled
    changes need a volunteer, and 立即同步 waking the loop."""

    def __init__(self, station: Station, loop: SyncLoop) -> None:
        self._station = station
        self._loop = loop

    def status(self) -> SyncStatus:
        snap = self._loop.snapshot
        from sync.parking import count_open

        return SyncStatus(
            online=snap.online,
            waiting=self._station.requests.count_waiting(),
            last_success=snap.last_success,
            stopped=snap.stopped,
            failure=snap.failure,
            parked=count_open(self._station),
        )

    def sync_now(self) -> None:
        self._loop.trigger()

    def stop(self) -> None:
        self._loop.stop()


def enrolled(station: Station) -> bool:
    """The station holds a hub credential. Asked of the database directly, so that a station that
    was never enrolled does not load the sync client (requests, TLS: ≈ 10 MB) just to learn that."""
    from models.schema import SyncState

    with station.read() as session:
        state = session.get(SyncState, 1)
        return state is not None and state.credential_ct is not None


def start_sync(station: Station) -> LoopSyncPort | None:
    """Start the background loop when the station is enrolled; None keeps the offline default."""
    if not enrolled(station):
        return None
    from sync.credentials import load_credential
    from sync.loop import SyncLoop

    if load_credential(station) is None:
        return None
    loop = SyncLoop(station)
    loop.start()
    return LoopSyncPort(station, loop)
