"""The kiosk's background sync: runs passes off the UI thread, backs off exponentially with full
jitter (1 s doubling to a 10-minute cap, reset on success) and wakes at once on "立即同步".

It reports through a plain callback (the UI turns it into a Qt signal) and a snapshot any thread
can read: online, waiting count, last success, last error.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sync.engine import NotEnrolled, SyncEngine, SyncReport

if TYPE_CHECKING:
    from models.station import Station

log = logging.getLogger(__name__)

BASE_DELAY_S = 1.0
MAX_DELAY_S = 600.0
IDLE_INTERVAL_S = 60.0  # after a complete pass, look again in a minute


def backoff_delay(
    failures: int, rng: random.Random, base: float = BASE_DELAY_S, cap: float = MAX_DELAY_S
) -> float:
    """Full jitter: uniform in [0, min(cap, base·2^(failures-1))] — stations that lost the link together
    do not all come back in the same second."""
    if failures <= 0:
        return 0.0
    return rng.uniform(0, min(cap, base * 2 ** (failures - 1)))


@dataclass(frozen=True)
class SyncSnapshot:
    enrolled: bool = False
    online: bool = False
    syncing: bool = False
    waiting: int = 0
    last_success: dt.datetime | None = None
    last_error: str | None = None
    failures: int = 0
    next_attempt_in: float = 0.0


class SyncLoop:
    def __init__(
        self,
        station: Station,
        *,
        on_change: Callable[[SyncSnapshot], None] | None = None,
        engine: SyncEngine | None = None,
        idle_interval: float = IDLE_INTERVAL_S,
        rng: random.Random | None = None,
    ) -> None:
        self.station = station
        self.engine = engine or SyncEngine(station)
        self._on_change = on_change
        self._idle = idle_interval
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._snapshot = SyncSnapshot(waiting=station.requests.count_waiting())
        self._thread = threading.Thread(target=self._run, name="yizhan-sync", daemon=True)

    @property
    def snapshot(self) -> SyncSnapshot:
        with self._lock:
            return self._snapshot

    def start(self) -> None:
        self._thread.start()

    def trigger(self) -> None:
        """立即同步: run a pass now, whatever the back-off says."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _publish(self, **changes: object) -> None:
        with self._lock:
            self._snapshot = replace(self._snapshot, **changes)  # type: ignore[arg-type]
            snap = self._snapshot
        if self._on_change is not None:
            self._on_change(snap)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._publish(syncing=True)
            delay = self._idle
            try:
                report = self.engine.run_once()
            except NotEnrolled:
                self._publish(
                    enrolled=False,
                    online=False,
                    syncing=False,
                    waiting=self.station.requests.count_waiting(),
                    last_error=None,
                )
            except Exception as exc:  # a bug must not kill the loop; it is logged and retried
                log.exception("sync pass failed")
                failures += 1
                delay = backoff_delay(failures, self._rng)
                self._publish(
                    enrolled=True,
                    online=False,
                    syncing=False,
                    last_error=str(exc),
                    failures=failures,
                    next_attempt_in=delay,
                    waiting=self.station.requests.count_waiting(),
                )
            else:
                failures = 0 if report.complete else failures + 1
                delay = self._idle if report.complete else backoff_delay(failures, self._rng)
                self._publish(**self._from_report(report, failures, delay))
            self._wake.wait(delay)
            self._wake.clear()

    def _from_report(self, report: SyncReport, failures: int, delay: float) -> dict[str, object]:
        changes: dict[str, object] = {
            "enrolled": True,
            "online": report.error is None,
            "syncing": False,
            # residents' records, not internal envelopes such as audit events
            "waiting": self.station.requests.count_waiting(),
            "last_error": report.error,
            "failures": failures,
            "next_attempt_in": delay,
        }
        if report.complete:
            changes["last_success"] = dt.datetime.now(dt.UTC)
        return changes
