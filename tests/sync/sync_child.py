"""A station's sync pass in a child process, so the soak test can SIGKILL it mid-sync."""

from __future__ import annotations

import sys
from pathlib import Path

from models.station import Station
from sync.client import HubClient, StationCredential
from sync.engine import SyncEngine
from tests.sync.conftest import PASSPHRASE


def main() -> None:
    data_dir, hub_url = Path(sys.argv[1]), sys.argv[2]
    station = Station.open(data_dir, PASSPHRASE)

    def factory(credential: StationCredential, url: str | None) -> HubClient:
        return HubClient(credential, hub_url=url, connect_timeout=2.0, stall_timeout=1.0)

    print("started", flush=True)
    SyncEngine(station, hub_url=hub_url, client_factory=factory).run_once()
    print("finished", flush=True)


if __name__ == "__main__":
    main()
