"""Photos travel sealed, in chunks, resumably — and the hub's console can open exactly what was taken."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable

from models.schema import OutboxAttachment
from models.station import KIOSK
from sync.client import HubClient, StationCredential
from sync.engine import SyncEngine
from tests.support.faultproxy import Fault, FaultProxy
from tests.sync.conftest import EnrolledStation, Hub


def _photo() -> bytes:
    return b"\xff\xd8\xff\xe0" + os.urandom(700_000) + b"\xff\xd9"  # JPEG-shaped, several chunks


def test_photo_uploads_resumably_and_opens_at_the_hub(
    hub: Hub, enrolled: Callable[..., EnrolledStation]
) -> None:
    from server.services.console_requests import open_photo

    st = enrolled()
    photo = _photo()
    rec = st.station.requests.submit(
        "problem_report",
        {"description": "墙上裂缝", "photo": {"jpeg_base64": base64.b64encode(photo).decode("ascii")}},
        KIOSK,
    )
    help_call = st.station.requests.help_call(KIOSK)
    port = int(hub.url.rsplit(":", 1)[1])
    with FaultProxy("127.0.0.1", port) as proxy:
        # push, upload start and chunk 1 pass; chunk 2 is cut mid-request: the pass is incomplete
        proxy.plan(Fault.PASS, Fault.PASS, Fault.PASS, Fault.CUT_REQUEST)

        def factory(cred: StationCredential, url: str | None) -> HubClient:
            return HubClient(cred, hub_url=url, stall_timeout=2.0)

        first = SyncEngine(st.station, hub_url=proxy.url, client_factory=factory).run_once()
        assert not first.complete and first.error
        # A stalled photo holds back nobody: the records (the help call first) are already at the hub.
        assert st.station.requests.get(rec.id).state == "SENT"
        assert st.station.requests.get(help_call.id).state == "SENT"
        assert first.error and "photo" in first.error
        second = SyncEngine(st.station, hub_url=proxy.url, client_factory=factory).run_once()
    assert second.complete, second.error
    with st.station.read() as session:
        (row,) = session.query(OutboxAttachment).all()
        assert row.uploaded_at is not None and row.request_id == rec.id
        assert photo not in row.sealed  # sealed: the station's outbox cannot show it
        digest = row.sha256
    with hub.session() as session:
        data, media = open_photo(session, hub.keys, rec.id, digest)
    assert data == photo and media == "image/jpeg"
    assert st.station.requests.get(rec.id).fields["photo"]["jpeg_base64"]  # the station's own copy stays
