"""One sync pass: seal what is queued, push it in bounded batches, pull the hub's feed to the end.

`SyncEngine.run_once` never reports success it did not see: `complete` is true only when every
queued envelope was explicitly acknowledged (or quarantined by the hub) and the pull reached the end.
Sync always moves on:

- an exchange whose answer stalls or whose connection breaks is tried again within the pass
  (`IN_PASS_RETRIES`), so one slow answer from a loaded hub does not end a long pass half-way;
- a batch the hub refuses as a whole (`HubRejected`) is split in halves until the one bad envelope is
  found and quarantined, so one bad record never blocks the others;
- a batch the hub fails on (5xx) `SERVER_FAILURE_TRIES` times in a row (counted per envelope in the
  outbox, so the count survives restarts and `yizhan sync --once` runs) is split the same way, once a
  signed request has shown the hub itself works; an envelope that still fails alone while the hub
  accepts others is quarantined with the reason (a volunteer can send it again);
- a pulled change that cannot apply is parked for a volunteer and the cursor moves on (sync/apply.py);
- `cursor_ahead` (the hub was restored from a backup) resets the cursor to 0, re-applies the feed and
  pushes every record again, so the hub ends up with each one exactly once.

Only refusals that need a person end the pass with an exception: `AuthRefused` (revoked, unknown
station, bad credential), `ProtocolMismatch` (upgrade the software) and `NotEnrolled`.

The engine keeps one `HubClient` for its lifetime (the kiosk loop and `yizhan sync` make one engine),
so the clock offset learnt from a `clock_skew` refusal is kept; `close()` releases it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from models.schema import SyncState, utcnow
from sync import outbox
from sync.apply import apply_page, reset_feed, retry_parked
from sync.client import HubClient, HubRejected, StationCredential, SyncError, Transient, split_batches
from sync.credentials import load_credential
from sync.failures import failure_kind
from sync.protocol import Envelope, ItemResult, ItemStatus

if TYPE_CHECKING:
    from models.station import Station

log = logging.getLogger(__name__)
T = TypeVar("T")

# A batch that meets a server error this many times in a row is split to find the record the hub
# chokes on. Three is past a restart or a brief overload, and far short of blocking for a day.
SERVER_FAILURE_TRIES = 3
# The outbox is read and marked SENDING this many envelopes at a time (a few protocol batches).
PUSH_SLICE = 2000
# A push or pull whose answer stalls (no byte for the client's stall timeout) or whose connection
# breaks is tried again within the pass, this many times after a short, growing pause. A repeated
# push is answered `duplicate_ack` for what the hub already stored, so nothing is stored twice; and
# one slow answer from a loaded hub no longer ends a long pass half-way (bench/sync.py once stopped
# at 4,500 of 10,000 records). An unreachable hub (Offline), an HTTP error and a hub that asks to
# wait (429, Retry-After) still end the pass at once: the loop's back-off handles those.
IN_PASS_RETRIES = 2
IN_PASS_PAUSE_S = 1.0


class NotEnrolled(Exception):
    """The station has no hub credential yet (`yizhan enrol`)."""


@dataclass
class SyncReport:
    sealed: int = 0
    acknowledged: int = 0
    quarantined: int = 0
    pulled: int = 0
    parked: int = 0
    waiting: int = 0
    cursor: int = 0
    cursor_reset: bool = False
    pull_complete: bool = False
    error: str | None = None
    failure: str | None = None  # the error's plain-words class (sync/failures.py)
    retry_after: float | None = None  # the hub asked to wait this long (Retry-After)
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def complete(self) -> bool:
        return self.error is None and self.waiting == 0 and self.pull_complete


ClientFactory = Callable[[StationCredential, str | None], HubClient]


def default_client(credential: StationCredential, hub_url: str | None) -> HubClient:
    return HubClient(credential, hub_url=hub_url)


def _server_failed(exc: Transient) -> bool:
    return exc.status is not None and exc.status >= 500


class SyncEngine:
    def __init__(
        self, station: Station, *, hub_url: str | None = None, client_factory: ClientFactory = default_client
    ) -> None:
        self.station = station
        self.hub_url = hub_url
        self._client_factory = client_factory
        self._client: HubClient | None = None
        self._client_for: StationCredential | None = None
        self._hub_works = False  # a signed exchange succeeded in this pass
        self._push_worked = False  # a push was acknowledged in this pass

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client, self._client_for = None, None

    def _client_of(self, credential: StationCredential) -> HubClient:
        """The same client pass after pass; a new one only when the credential changed (re-enrolled)."""
        if self._client is None or self._client_for != credential:
            self.close()
            self._client, self._client_for = self._client_factory(credential, self.hub_url), credential
        return self._client

    def run_once(self) -> SyncReport:
        """One full pass. Network and protocol failures end the pass with `error` set; refusals that
        need a person (`retryable` false) are recorded and re-raised."""
        credential = load_credential(self.station)
        if credential is None:
            raise NotEnrolled("this station is not enrolled with a hub yet (yizhan enrol)")
        report = SyncReport()
        self._note_attempt()
        self._hub_works = self._push_worked = False
        report.sealed = outbox.fill_outbox(self.station, credential.hub_public_key, credential.station_id)
        client = self._client_of(credential)
        refusal: SyncError | None = None
        try:
            # Records first (help calls lead the queue), photos after: a photo stalling on a weak link
            # must never hold back an urgent call or anyone else's record.
            self._push_all(client, report)
            self._upload_photos(client, report)
            self._pull_all(client, report)
        except SyncError as exc:
            report.error = str(exc)
            report.failure = failure_kind(exc)
            report.retry_after = getattr(exc, "retry_after", None)
            refusal = None if exc.retryable else exc
        finally:
            outbox.release_sending(self.station)
        report.waiting = outbox.count_pending(self.station)
        self._note_result(report)
        if refusal is not None:
            raise refusal
        return report

    # -- photos ------------------------------------------------------------------------------
    def _upload_photos(self, client: HubClient, report: SyncReport) -> None:
        """Each photo resumes where an earlier attempt stopped; one that fails is retried next pass
        (the pass is then not complete) and does not stop the others."""
        for sha256, request_id, sealed in outbox.pending_attachments(self.station):
            try:
                state = client.upload_attachment(sealed, record_id=uuid.UUID(request_id))
            except SyncError as exc:
                if not exc.retryable:
                    raise
                report.error = report.error or f"photo upload: {exc}"
                report.failure = report.failure or failure_kind(exc)
                continue
            if state.complete and state.sha256 == sha256:
                outbox.mark_uploaded(self.station, sha256)

    # -- push --------------------------------------------------------------------------------
    def _push_all(self, client: HubClient, report: SyncReport) -> None:
        while True:
            queue = outbox.pending(self.station, limit=PUSH_SLICE)
            if not queue:
                return
            # SENDING for the whole slice in one commit, not one per batch: it only says "on its way"
            # (shown like QUEUED, sent again after a crash, back to QUEUED when the pass ends), so each
            # pushed batch costs one transaction, the one that records the hub's answers.
            outbox.mark_sending(self.station, [e.id for e in queue])
            for batch in split_batches(queue):
                for results in self._push_batch(client, batch):
                    acked, quarantined = outbox.apply_results(self.station, results)
                    report.acknowledged += acked
                    report.quarantined += quarantined
            if len(queue) < PUSH_SLICE:
                return

    def _push_batch(
        self, client: HubClient, batch: Sequence[Envelope], *, splitting: bool = False
    ) -> list[list[ItemResult]]:
        try:
            results = list(self._again(partial(client.push, batch)).results)
        except HubRejected as exc:
            if len(batch) == 1:
                return [[ItemResult(id=batch[0].id, status=ItemStatus.INVALID, reason=str(exc))]]
            return self._split(client, batch, splitting=splitting)
        except Transient as exc:
            if not _server_failed(exc):
                raise
            # Counted on disk, so runs of `yizhan sync --once` (a new engine each) add up too.
            tries = max(outbox.note_server_failure(self.station, [e.id for e in batch]).values(), default=0)
            if len(batch) == 1:
                # Quarantine only what the hub fails on while it takes other records in the same pass:
                # a hub failing every push (while it still answers pulls) must not empty the outbox.
                if tries < SERVER_FAILURE_TRIES or not self._push_worked:
                    raise
                reason = (
                    f"the hub failed (HTTP {exc.status}) on this record {tries} "
                    f"times in a row while it accepted others; 重新发送 tries again"
                )
                return [[ItemResult(id=batch[0].id, status=ItemStatus.INVALID, reason=reason)]]
            if (not splitting and tries < SERVER_FAILURE_TRIES) or not self._hub_alive(client):
                raise  # the hub may just be down: back off and retry the batch whole
            return self._split(client, batch, splitting=True)
        self._hub_works = self._push_worked = True  # apply_results sets the batch's failure counts to 0
        return [results]

    @staticmethod
    def _again(exchange: Callable[[], T]) -> T:
        """Run one exchange, again after a stall or a broken connection (IN_PASS_RETRIES)."""
        for attempt in range(IN_PASS_RETRIES + 1):
            try:
                return exchange()
            except Transient as exc:
                if exc.status is not None or attempt >= IN_PASS_RETRIES:
                    raise
                log.info("sync exchange failed (%s); trying again within this pass", exc)
                time.sleep(IN_PASS_PAUSE_S * (attempt + 1))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _split(
        self, client: HubClient, batch: Sequence[Envelope], *, splitting: bool
    ) -> list[list[ItemResult]]:
        half = len(batch) // 2
        left = self._push_batch(client, batch[:half], splitting=splitting)
        return left + self._push_batch(client, batch[half:], splitting=splitting)

    def _hub_alive(self, client: HubClient) -> bool:
        """Does the hub serve signed requests at all? A push that worked this pass says so; otherwise
        ask for one change of the feed (read-only; the page is not applied)."""
        if self._hub_works:
            return True
        try:
            client.pull(self._cursor(), limit=1)
        except HubRejected:
            self._hub_works = True  # it answered in protocol (e.g. cursor_ahead): it works
        except SyncError as exc:
            if not exc.retryable:
                raise
            return False
        else:
            self._hub_works = True
        return self._hub_works

    # -- pull --------------------------------------------------------------------------------
    def _cursor(self) -> int:
        with self.station.read() as session:
            state = session.get(SyncState, 1)
            return state.pull_cursor if state else 0

    def _pull_all(self, client: HubClient, report: SyncReport) -> None:
        retry_parked(self.station)
        while True:
            cursor = self._cursor()
            try:
                page = self._again(partial(client.pull, cursor))
            except HubRejected as exc:
                if exc.code != "cursor_ahead" or report.cursor_reset:
                    raise
                self._reset_for_restored_hub(client, report)
                continue
            self._hub_works = True
            result = apply_page(self.station, page, cursor)
            report.pulled += result.applied
            report.parked += result.parked
            report.cursor = page.next_cursor
            if not page.has_more:
                report.pull_complete = True
                return

    def _reset_for_restored_hub(self, client: HubClient, report: SyncReport) -> None:
        """cursor_ahead: the hub's feed is behind us, so it was restored from a backup (or rebuilt).
        In one transaction: pull from 0 again, and queue every acknowledged record for a re-push."""
        with self.station.write() as session:
            reset_feed(session)
            outbox.requeue_acknowledged(session)
            self.station.audit.append(session, "system:sync", "sync_reset", "hub", reason="cursor_ahead")
        report.cursor_reset = True
        self._push_all(client, report)
        self._upload_photos(client, report)

    # -- bookkeeping ---------------------------------------------------------------------------
    def _note_attempt(self) -> None:
        with self.station.write() as session:
            state = session.get(SyncState, 1)
            if state is not None:
                state.last_attempt_at = utcnow()

    def _note_result(self, report: SyncReport) -> None:
        with self.station.write() as session:
            state = session.get(SyncState, 1)
            if state is None:
                return
            state.last_error = report.error
            if report.complete:
                state.last_success_at = utcnow()
