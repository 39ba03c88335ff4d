"""Property-based fuzzing of the hub's published OpenAPI (schemathesis): no input yields a 5xx.

Each operation runs twice: unsigned (the auth wall must answer 401/4xx, never 500) and signed
with a real station credential (so generated bodies reach validation, push and pull logic).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation

from sync.client import HmacAuth, HubClient
from tests.support.hubhandle import HubHandle

MAX_EXAMPLES = 40


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_no_server_errors_on_generated_input(
    hub: HubHandle, make_station: Callable[..., HubClient], signed: bool
) -> None:
    schema = schemathesis.openapi.from_url(hub.url + "/openapi.json")
    session = requests.Session()
    if signed:
        cred = make_station().credential
        import time

        session.auth = HmacAuth(cred.station_id, cred.secret, "", time.time)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # every operation of the published schema parses
        operations.append(result.ok())
    assert {op.path for op in operations} >= {"/v1/push", "/v1/pull", "/v1/enrol", "/v1/attachments"}
    failures: list[str] = []

    for operation in operations:
        _fuzz(operation, hub.url, session, failures)
    assert not failures, "\n".join(failures[:10])


Operation = APIOperation[Any, Any, Any, Any]


def _fuzz(operation: Operation, base_url: str, session: requests.Session, failures: list[str]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case: schemathesis.Case[Operation]) -> None:
        response = case.call(base_url=base_url, session=session, timeout=10)
        if response.status_code >= 500:
            failures.append(
                f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:200]}"
            )

    check()
