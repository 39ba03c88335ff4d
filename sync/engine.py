"""One sync pass: seal what is queued, push it in bounded batches, pull the hub's feed to the end.

`SyncEngine.run_once` never reports success it did not see: `complete` is true only when every
queued envelope was explicitly acknowledged (or quarantined by the hub) and the pull reached the end.
A batch the hub refuses as a whole is split in halves until the one bad envelope is found and
quarantined, so one bad record never blocks the others.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sync import outbox
from sync.apply import apply_page
from sync.client import HubClient, HubRejected, StationCredential, split_batches
from sync.credentials import load_credential
from sync.protocol import Envelope, ItemResult, ItemStatus

if TYPE_CHECKING:
    from models.station import Station


class NotEnrolled(Exception):
    """The station has no hub credential yet (`yizhan enrol`)."""


@dataclass
class SyncReport:
    sealed: int = 0
    acknowledged: int = 0
    quarantined: int = 0
    pulled: int = 0
    waiting: int = 0
    cursor: int = 0
    pull_complete: bool = False
    error: str | None = None
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def complete(self) -> bool:
        return self.error is None and self.waiting == 0 and self.pull_complete


ClientFactory = Callable[[StationCredential, str | None], HubClient]


def default_client(credential: StationCredential, hub_url: str | None) -> HubClient:
    return HubClient(credential, hub_url=hub_url)


class SyncEngine:
    def __init__(
        self, station: Station, *, hub_url: str | None = None, client_factory: ClientFactory = default_client
    ) -> None:
        self.station = station
        self.hub_url = hub_url
        self._client_factory = client_factory

    def run_once(self) -> SyncReport:
        """One full pass. Network and protocol failures end the pass with `error` set (and are
        re-raised only for AuthRefused, which needs a person)."""
        from sync.client import AuthRefused, SyncError

        credential = load_credential(self.station)
        if credential is None:
            raise NotEnrolled("this station is not enrolled with a hub yet (yizhan enrol)")
        report = SyncReport()
        self._note_attempt()
        report.sealed = outbox.fill_outbox(self.station, credential.hub_public_key, credential.station_id)
        client = self._client_factory(credential, self.hub_url)
        try:
            # Records first (help calls lead the queue), photos after: a photo stalling on a weak link
            # must never hold back an urgent call or anyone else's record.
            self._push_all(client, report)
            self._upload_photos(client, report)
            self._pull_all(client, report)
        except AuthRefused as exc:
            report.error = str(exc)
            self._note_result(report)
            raise
        except SyncError as exc:
            report.error = str(exc)
        finally:
            outbox.release_sending(self.station)
            client.close()
        report.waiting = outbox.count_pending(self.station)
        self._note_result(report)
        return report

    # -- photos ------------------------------------------------------------------------------
    def _upload_photos(self, client: HubClient, report: SyncReport) -> None:
        """Each photo resumes where an earlier attempt stopped; one that fails is retried next pass
        (the pass is then not complete) and does not stop the others."""
        from sync.client import AuthRefused, SyncError

        for sha256, request_id, sealed in outbox.pending_attachments(self.station):
            try:
                state = client.upload_attachment(sealed, record_id=uuid.UUID(request_id))
            except AuthRefused:
                raise
            except SyncError as exc:
                report.error = report.error or f"photo upload: {exc}"
                continue
            if state.complete and state.sha256 == sha256:
                outbox.mark_uploaded(self.station, sha256)

    # -- push --------------------------------------------------------------------------------
    def _push_all(self, client: HubClient, report: SyncReport) -> None:
        while True:
            queue = outbox.pending(self.station, limit=2000)
            if not queue:
                return
            for batch in split_batches(queue):
                for results in self._push_batch(client, batch):
                    acked, quarantined = outbox.apply_results(self.station, results)
                    report.acknowledged += acked
                    report.quarantined += quarantined
            if len(queue) < 2000:
                return

    def _push_batch(self, client: HubClient, batch: Sequence[Envelope]) -> list[list[ItemResult]]:
        outbox.mark_sending(self.station, [e.id for e in batch])
        try:
            return [list(client.push(batch).results)]
        except HubRejected as exc:
            if len(batch) == 1:
                return [[ItemResult(id=batch[0].id, status=ItemStatus.INVALID, reason=str(exc))]]
            half = len(batch) // 2
            return self._push_batch(client, batch[:half]) + self._push_batch(client, batch[half:])

    # -- pull --------------------------------------------------------------------------------
    def _pull_all(self, client: HubClient, report: SyncReport) -> None:
        from models.schema import SyncState

        while True:
            with self.station.read() as session:
                state = session.get(SyncState, 1)
                cursor = state.pull_cursor if state else 0
            page = client.pull(cursor)
            report.pulled += apply_page(self.station, page, cursor)
            report.cursor = page.next_cursor
            if not page.has_more:
                report.pull_complete = True
                return

    # -- bookkeeping ---------------------------------------------------------------------------
    def _note_attempt(self) -> None:
        from models.schema import SyncState, utcnow

        with self.station.write() as session:
            state = session.get(SyncState, 1)
            if state is not None:
                state.last_attempt_at = utcnow()

    def _note_result(self, report: SyncReport) -> None:
        from models.schema import SyncState, utcnow

        with self.station.write() as session:
            state = session.get(SyncState, 1)
            if state is None:
                return
            state.last_error = report.error
            if report.complete:
                state.last_success_at = utcnow()
