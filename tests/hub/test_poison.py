"""One station cannot poison the hub (issue 10 §3), on SQLite and PostgreSQL.

Attacks reproduced: a daily check-in dated 9999-12-31 and a resident name with a lone surrogate
(which made /console/stats and /console/checkins answer 500 for everyone), a deeply nested sealed
payload (a whole push answered 500 and the station retried forever), NaN/Infinity, control
characters, services and categories outside the catalogue; receipt codes with another station's
prefix, photos attached to another station's record, and slots not offered to the station.
Each must be a per-item `invalid` with a reason, never stored, never a 500.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import pytest
import requests
from sqlalchemy import select

from sync.client import HubClient, HubRejected
from sync.protocol import Envelope, ItemStatus, RecordKind
from sync.sealing import record_aad, seal
from tests.hub.conftest import make_envelope, make_payload
from tests.support.hubhandle import HubHandle

Make = Callable[..., HubClient]
ADMIN_PASSWORD = "poison-admin-pass-1"


def raw_envelope(
    client: HubClient, plaintext: bytes, kind: RecordKind = RecordKind.SERVICE_REQUEST
) -> Envelope:
    """Seal bytes exactly as given (json.dumps could not even write a lone surrogate as UTF-8)."""
    record_id = uuid.uuid4()
    blob = seal(plaintext, client.credential.hub_public_key, record_aad(record_id, kind.value))
    return Envelope(
        id=record_id,
        kind=kind,
        station_seq=1,
        created_at=datetime.now(UTC),
        sealed_payload=base64.b64encode(blob).decode(),
        sha256=hashlib.sha256(blob).hexdigest(),
    )


def _doc(
    client: HubClient,
    *,
    service: str = "problem_report",
    name: str = '"张三"',
    fields: str = "{}",
    created_at: str | None = None,
) -> bytes:
    at = created_at or datetime.now(UTC).isoformat()
    receipt = f"{client.credential.station_name}-{uuid.uuid4().int % 10**6}"
    return (
        f'{{"service": "{service}", "receipt_code": "{receipt}", "created_at": "{at}", '
        f'"resident": {{"name": {name}}}, "fields": {fields}}}'
    ).encode()


def test_poisoned_payloads_are_invalid_and_never_stored(hub: HubHandle, make_station: Make) -> None:
    client = make_station()
    good = make_envelope(client.credential)
    deep = b"[" * 50_000 + b"]" * 50_000
    poisons = {
        "created_at": raw_envelope(
            client,
            _doc(client, service="daily_checkin", created_at="9999-12-31T00:00:00+00:00"),
            RecordKind.DAILY_CHECKIN,
        ),
        "lone surrogate": raw_envelope(client, _doc(client, name='"\\ud800\\u674e"')),
        "nested deeper": raw_envelope(client, _doc(client, fields='{"x": ' + deep.decode() + "}")),
        "NaN": raw_envelope(client, _doc(client, fields='{"n": NaN}')),
        "finite": raw_envelope(client, _doc(client, fields='{"n": 1e999}')),
        "control character": raw_envelope(client, _doc(client, name='"王\\u0007五"')),
        "not in the hub's catalogue": raw_envelope(client, _doc(client, service="free_money")),
        "not an option": raw_envelope(client, _doc(client, fields='{"category": "银行卡核验"}')),
        "does not fit record kind": raw_envelope(client, _doc(client, service="help_call")),
        "not a JSON document": raw_envelope(client, b'{"service": '),
    }
    answer = client.push([good, *poisons.values()])
    statuses = {r.id: r for r in answer.results}
    assert statuses[good.id].status is ItemStatus.ACCEPTED
    for reason, env in poisons.items():
        result = statuses[env.id]
        assert result.status is ItemStatus.INVALID, reason
        assert result.reason and reason in result.reason, (reason, result.reason)
    stored = hub.station_requests(client.credential.station_name)
    assert set(stored) == {str(good.id)}

    # The console still answers for everyone (these pages once went 500 for every user).
    hub.run(
        "staff",
        "add",
        f"poison-{hub.backend}",
        "--role",
        "admin",
        env={"YIZHAN_HUB_PASSWORD": ADMIN_PASSWORD},
    )
    http = _login(hub, f"poison-{hub.backend}")
    for page in ("/console/stats", "/console/checkins", "/console/queue"):
        assert http.get(hub.url + page, timeout=30).status_code == 200, page


def test_text_is_stored_nfc(hub: HubHandle, make_station: Make) -> None:
    client = make_station()
    decomposed = "Jose\u0301 王"
    env = raw_envelope(client, _doc(client, name=f'"{decomposed}"'))
    assert client.push([env]).results[0].status is ItemStatus.ACCEPTED
    from server.db.models import ServiceRequest
    from server.services.records import payload_aad

    with hub.session() as session:
        row = session.get(ServiceRequest, str(env.id))
        assert row is not None
        name = hub.keys.decrypt_json(row.payload_enc, payload_aad(row.id))["resident"]["name"]
    assert name == "Jos\u00e9 王"


def test_receipt_prefix_slots_and_photos_belong_to_their_station(hub: HubHandle, make_station: Make) -> None:
    a, b, c = make_station(), make_station(), make_station()
    a_prefix = a.credential.station_name
    assert a.push([make_envelope(a.credential)]).results[0].status is ItemStatus.ACCEPTED
    record_a = make_envelope(a.credential)
    a.push([record_a])

    # A station's prefix is pinned by its first accepted record: B, once pinned, cannot pass off a
    # receipt code with A's prefix, and A cannot switch to another.
    assert b.push([make_envelope(b.credential)]).results[0].status is ItemStatus.ACCEPTED
    stolen = b.push([make_envelope(b.credential, make_payload(receipt=f"{a_prefix}-99999"))]).results[0]
    assert stolen.status is ItemStatus.INVALID and f"own prefix {b.credential.station_name}" in (
        stolen.reason or ""
    )
    other = a.push([make_envelope(a.credential, make_payload(receipt="ZZ9-1"))]).results[0]
    assert other.status is ItemStatus.INVALID and f"own prefix {a_prefix}" in (other.reason or "")
    # Within one batch every record must share the prefix too.
    mixed = c.push([make_envelope(c.credential), make_envelope(c.credential, make_payload(receipt="QQ1-1"))])
    assert [r.status for r in mixed.results] == [ItemStatus.ACCEPTED, ItemStatus.INVALID]

    # Slots: only those offered to the station (or to all); kiosk default slots are not hub slots.
    from zoneinfo import ZoneInfo

    from server.db.models import Station
    from server.services.console_slots import create_slots

    start = datetime.now(UTC) + timedelta(days=2)
    with hub.session() as session:
        a_id = session.scalars(select(Station.id).where(Station.name == a_prefix)).one()
        only_a = create_slots(
            session,
            hub.keys,
            option="health_check",
            day=start.date(),
            start=time(9),
            end=time(10),
            capacity=2,
            stations=[a_id],
            tz=ZoneInfo("UTC"),
        )[0].id

    def booking(client: HubClient, slot_id: str) -> Envelope:
        fields = {
            "appointment_service": "health_check",
            "slot": {"slot_id": slot_id, "start": start.isoformat(), "end": start.isoformat()},
        }
        return make_envelope(client.credential, make_payload(service="appointment", fields=fields))

    assert a.push([booking(a, str(only_a))]).results[0].status is ItemStatus.ACCEPTED
    refused = b.push([booking(b, str(only_a))]).results[0]
    assert refused.status is ItemStatus.INVALID and "not offered" in (refused.reason or "")
    assert b.push([booking(b, "default-2030010109")]).results[0].status is ItemStatus.ACCEPTED

    # Photos: B cannot attach one to A's record.
    with pytest.raises(HubRejected) as err:
        b.upload_attachment(b"\x01" * 100, record_id=record_a.id)
    assert err.value.code == "not_your_record"
    assert a.upload_attachment(b"\x02" * 100, record_id=record_a.id).complete


def _login(hub: HubHandle, user: str) -> requests.Session:
    http = requests.Session()
    page = http.get(hub.url + "/console/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    answer = http.post(
        hub.url + "/console/login",
        timeout=30,
        allow_redirects=False,
        data={"username": user, "password": ADMIN_PASSWORD, "csrf_token": token.group(1)},
    )
    assert answer.status_code == 303, answer.text[:300]
    return http
