"""The kiosk's background sync (and `yizhan sync` in the foreground): runs passes off the UI thread,
backs off exponentially with full jitter (1 s doubling to a 10-minute cap, reset on success, never
sooner than the hub's Retry-After) and wakes at once on "立即同步".

Retryable failures (offline, 5xx, a captive portal) keep backing off. A refusal that only a person
can fix stops the loop with a plain-words state (`SyncSnapshot.stopped`, a key of STOP_STATES that
the UI translates via assets/i18n `sync.stopped.<key>`): the hub revoked or does not know this
station, its credential no longer verifies, the station is not enrolled, or the software is too old
for the hub. A stopped loop makes no more attempts on its own; 立即同步 (a person asking) runs one.

It reports through a plain callback (the UI turns it into a Qt signal) and a snapshot any thread
can read: online, waiting count, last success, last error, stopped state, parked changes.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sync.client import AuthRefused, ProtocolMismatch, SyncError
from sync.engine import NotEnrolled, SyncEngine, SyncReport
from sync.failures import failure_kind
from sync.parking import count_open

if TYPE_CHECKING:
    from models.station import Station

log = logging.getLogger(__name__)

BASE_DELAY_S = 1.0
MAX_DELAY_S = 600.0
IDLE_INTERVAL_S = 60.0  # after a complete pass, look again in a minute
MAX_RETRY_AFTER_S = 3600.0  # honour a hub's Retry-After up to an hour, never longer

# Stop states: why the loop stopped, as keys the UI translates (assets/i18n "sync.stopped.<key>").
STOP_STATES = ("revoked", "unknown_station", "bad_credential", "refused", "not_enrolled", "upgrade")


def stop_state(exc: BaseException) -> str | None:
    """The plain-words state for a failure only a person can fix; None for one worth retrying."""
    if isinstance(exc, NotEnrolled):
        return "not_enrolled"
    if isinstance(exc, ProtocolMismatch):
        return "upgrade"
    if isinstance(exc, AuthRefused):
        return {
            "station_revoked": "revoked",
            "unknown_station": "unknown_station",
            "bad_signature": "bad_credential",
        }.get(exc.code or "", "refused")
    if isinstance(exc, SyncError) and not exc.retryable:
        return "refused"
    return None


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
    failure: str | None = None  # last_error's plain-words class (sync/failures.py), for the screen
    failures: int = 0
    next_attempt_in: float = 0.0
    stopped: str | None = None  # a STOP_STATES key: no retries until a person acts
    parked: int = 0  # pulled changes waiting for a volunteer (sync/parking.py)


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
        try:
            while not self._stop.is_set():
                delay: float | None
                failures, delay = self._pass(failures)
                self._wake.wait(delay)  # None: stopped, wait for 立即同步 or stop()
                self._wake.clear()
        finally:
            self.engine.close()

    def _pass(self, failures: int) -> tuple[int, float | None]:
        """Run one pass and publish its outcome; returns (failures in a row, delay before the next)."""
        self._publish(syncing=True)
        try:
            report = self.engine.run_once()
        except Exception as exc:  # a bug must not kill the loop; it is logged and retried
            state = stop_state(exc)
            if state is not None:
                log.warning("sync stopped (%s): %s", state, exc)
                self._publish(
                    enrolled=state != "not_enrolled",
                    online=False,
                    syncing=False,
                    stopped=state,
                    last_error=str(exc),
                    failure=failure_kind(exc),
                    next_attempt_in=0.0,
                    waiting=self.station.requests.count_waiting(),
                    parked=self._parked(),
                )
                return failures, None
            log.exception("sync pass failed")
            failures += 1
            delay = backoff_delay(failures, self._rng)
            self._publish(
                enrolled=True,
                online=False,
                syncing=False,
                stopped=None,
                last_error=str(exc),
                failure=failure_kind(exc),
                failures=failures,
                next_attempt_in=delay,
                waiting=self.station.requests.count_waiting(),
                parked=self._parked(),
            )
            return failures, delay
        failures = 0 if report.complete else failures + 1
        delay = self._idle if report.complete else backoff_delay(failures, self._rng)
        if report.retry_after is not None:
            delay = max(delay, min(report.retry_after, MAX_RETRY_AFTER_S))
        self._publish(**self._from_report(report, failures, delay))
        return failures, delay

    def _parked(self) -> int:
        try:
            return count_open(self.station)
        except Exception:  # a status count must never stop the loop
            log.exception("could not count parked changes")
            return 0

    def _from_report(self, report: SyncReport, failures: int, delay: float) -> dict[str, object]:
        changes: dict[str, object] = {
            "enrolled": True,
            "online": report.error is None,
            "syncing": False,
            # residents' records, not internal envelopes such as audit events
            "waiting": self.station.requests.count_waiting(),
            "last_error": report.error,
            "failure": report.failure,
            "failures": failures,
            "next_attempt_in": delay,
            "stopped": None,
            "parked": self._parked(),
        }
        if report.complete:
            changes["last_success"] = dt.datetime.now(dt.UTC)
        return changes
