"""Chunked, resumable, content-addressed attachment upload."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

import pytest

from sync.client import HubClient, HubRejected, ProtocolError
from sync.protocol import AttachmentStart, AttachmentState
from tests.support.hubhandle import HubHandle


def test_upload_in_chunks(station: HubClient) -> None:
    data = os.urandom(300_000)
    seen: list[int] = []
    state = station.upload_attachment(
        data, chunk_size=64 * 1024, progress=lambda got, _total: seen.append(got)
    )
    assert state.complete and state.size == len(data) and state.sha256 == hashlib.sha256(data).hexdigest()
    assert seen[0] == 0 and seen[-1] == len(data) and seen == sorted(seen)
    assert station.upload_attachment(data).complete  # a re-upload is a no-op


def test_upload_resumes_after_interruption(hub: HubHandle, station: HubClient) -> None:
    data = os.urandom(200_000)
    sha = hashlib.sha256(data).hexdigest()
    start = AttachmentStart(sha256=sha, size=len(data)).model_dump_json().encode()
    station._signed("POST", "/v1/attachments", AttachmentState, body=start)
    station._signed(
        "PUT",
        f"/v1/attachments/{sha}/chunks/0",
        AttachmentState,
        body=data[:50_000],
        content_type="application/octet-stream",
    )
    with pytest.raises(HubRejected) as err:  # a stale offset is refused, not appended
        station._signed(
            "PUT",
            f"/v1/attachments/{sha}/chunks/0",
            AttachmentState,
            body=data[:50_000],
            content_type="application/octet-stream",
        )
    assert err.value.code == "offset_mismatch"
    progress: list[int] = []
    state = station.upload_attachment(data, chunk_size=100_000, progress=lambda got, _t: progress.append(got))
    assert state.complete and progress[0] == 50_000  # continued where the hub left off


def test_content_not_matching_hash_is_discarded(station: HubClient) -> None:
    data = os.urandom(1000)
    sha = hashlib.sha256(b"something else!" * 10).hexdigest()
    start = AttachmentStart(sha256=sha, size=len(data)).model_dump_json().encode()
    station._signed("POST", "/v1/attachments", AttachmentState, body=start)
    state = station._signed(
        "PUT",
        f"/v1/attachments/{sha}/chunks/0",
        AttachmentState,
        body=data,
        content_type="application/octet-stream",
    )
    assert not state.complete and state.received == 0


def test_other_station_cannot_see_upload(make_station: Callable[..., HubClient], station: HubClient) -> None:
    data = os.urandom(5000)
    station.upload_attachment(data)
    other = make_station()
    with pytest.raises(HubRejected) as err:
        other._signed("GET", f"/v1/attachments/{hashlib.sha256(data).hexdigest()}", AttachmentState)
    assert err.value.status == 404
    assert isinstance(err.value, ProtocolError)
