"""Start-up work a hub worker does in the background, so that no request pays for it.

Run once the app starts (server/main.py's lifespan), on a thread, after the worker already answers
its health check: the catalogue's service options that every pushed payload is checked against
(services/payload_rules.py reads assets/catalogue/*.toml), and every enrolled station's credential
and claimed receipt prefixes in one query (services/station_auth.py, services/records.py), so the
first sync of each station after a restart costs no read of its own. jieba's dictionary and the
console's templates are warmed by server/console (console.start_warm_up).
"""

from __future__ import annotations

import logging
import threading

from server.api.state import HubState
from server.services import payload_rules, records
from server.services.station_auth import load_all_credentials

log = logging.getLogger("yizhan.hub")


def warm(state: HubState) -> int:
    """Load what the hot path reads; returns how many station credentials were cached. Never
    raises: a database that is not reachable yet only means stations are read at first contact."""
    payload_rules.service_options()
    try:
        with state.engine.connect() as conn:
            stations = load_all_credentials(conn, state.keys)
    except Exception:
        log.warning("station credentials not preloaded; each is read at its first sync", exc_info=True)
        return 0
    for station in stations:
        state.credentials.put(station.credential)
        records.pin_claimed_prefixes(
            station.credential.station_id, station.receipt_prefix, station.receipt_prefix_before
        )
    return len(stations)


def start(state: HubState) -> None:
    threading.Thread(target=warm, args=(state,), name="hub-warm-up", daemon=True).start()
