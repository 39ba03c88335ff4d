"""Fixtures for hub tests: a throwaway PostgreSQL, a real hub over HTTP, enrolled stations.

- `postgres_cluster` (session, tests/conftest.py): initdb + pg_ctl on a temp dir and a free port (as
  the `postgres` user via runuser when running as root), stopped and deleted at the end.
- `hub` (session, parametrized "sqlite" | "postgresql"): `yizhan-hub init` on a fresh home and
  database, then `yizhan-hub serve` under uvicorn in a subprocess on 127.0.0.1:<free port>. Every
  test that uses it runs once per backend. Tests share one hub per backend, so each test makes
  its own stations (unique names) and asserts only on its own data.
- `station` / `make_station`: enrol stations over HTTP and hand back a `HubClient`.
"""

from __future__ import annotations

import itertools
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from sync.client import HubClient, StationCredential, enrol
from sync.protocol import Envelope, RecordKind
from sync.sealing import seal_envelope
from tests.support.hubhandle import HubHandle, hub_on

BACKENDS = ["sqlite", "postgresql"]
# One hub serves every test of a backend, and the fuzz test alone sends hundreds of wrong enrolment
# proofs from 127.0.0.1: the per-address limits are tested on a hub of their own (test_logins.py).
GENEROUS_LIMITS = {
    "YIZHAN_HUB_ENROL_FAILURES_PER_ADDRESS": "1000000",
    "YIZHAN_HUB_LOGIN_FAILURES_PER_ADDRESS": "1000000",
}


@pytest.fixture(scope="session", params=BACKENDS)
def hub(request: pytest.FixtureRequest) -> Iterator[HubHandle]:
    with hub_on(request, request.param, env=GENEROUS_LIMITS) as handle:
        yield handle
    shutil.rmtree(handle.home, ignore_errors=True)


_names = itertools.count(1)


def unique_name(prefix: str = "S") -> str:
    return f"{prefix}{next(_names):03d}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def make_station(hub: HubHandle) -> Iterator[Callable[..., HubClient]]:
    clients: list[HubClient] = []

    def make(name: str | None = None, **kwargs: Any) -> HubClient:
        cred = enrol(hub.url, hub.enrol_code(name or unique_name()))
        client = HubClient(cred, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def station(make_station: Callable[..., HubClient]) -> HubClient:
    return make_station()


_seq = itertools.count(1)


PLACEHOLDER_PREFIX = "A07"  # make_envelope swaps it for the pushing station's own prefix


def make_payload(receipt: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "service": extra.pop("service", "subsidy_application"),
        "receipt_code": receipt or f"{PLACEHOLDER_PREFIX}-{next(_seq):05d}",
        "resident": {"name": "张秀英", "id_number": "320102195001011234", "phone": "13800138000"},
        "fields": {"reason": "高龄补贴"},
        "created_at": datetime.now(UTC).isoformat(),
        **extra,
    }


def make_envelope(
    cred: StationCredential,
    payload: dict[str, Any] | None = None,
    *,
    record_id: uuid.UUID | None = None,
    kind: RecordKind = RecordKind.SERVICE_REQUEST,
) -> Envelope:
    """Seal a payload as `cred`'s station would; a placeholder receipt prefix becomes the station's
    own (its name), since the hub accepts only receipt codes with the pushing station's prefix."""
    payload = dict(payload or make_payload())
    receipt = payload.get("receipt_code")
    if isinstance(receipt, str) and receipt.startswith(PLACEHOLDER_PREFIX + "-"):
        payload["receipt_code"] = cred.station_name + receipt[len(PLACEHOLDER_PREFIX) :]
    return seal_envelope(
        record_id=record_id or uuid.uuid4(),
        kind=kind,
        station_seq=next(_seq),
        created_at=datetime.now(UTC),
        payload=payload,
        hub_public_key=cred.hub_public_key,
    )
