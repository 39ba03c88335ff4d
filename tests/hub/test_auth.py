"""Enrolment and station authentication: codes, 401s, revocation, replay, clock skew."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
import requests

from sync.client import AuthRefused, HmacAuth, HubClient, enrol
from sync.protocol import PushRequest
from tests.hub.conftest import HubHandle, make_envelope, unique_name

Make = Callable[..., HubClient]


def test_enrol_returns_credential_and_hub_key(hub: HubHandle) -> None:
    name = unique_name("E")
    cred = enrol(hub.url, hub.enrol_code(name))
    assert cred.station_name == name and len(cred.secret) == 32
    assert cred.hub_public_key == hub.keys.public_key
    assert HubClient(cred).pull(0).next_cursor >= 0


def test_enrolment_code_is_single_use(hub: HubHandle) -> None:
    code = hub.enrol_code(unique_name("E"))
    enrol(hub.url, code)
    with pytest.raises(AuthRefused) as err:
        enrol(hub.url, code)
    assert err.value.code == "bad_enrolment_code"
    with pytest.raises(AuthRefused):
        enrol(hub.url, "AAAA-BBBB-CCCC")


def test_reenrolment_rotates_the_secret(hub: HubHandle) -> None:
    name = unique_name("E")
    old = enrol(hub.url, hub.enrol_code(name))
    new = enrol(hub.url, hub.enrol_code(name))
    assert new.station_id == old.station_id and new.secret != old.secret
    with pytest.raises(AuthRefused):
        HubClient(old).pull(0)
    HubClient(new).pull(0)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/push"),
        ("GET", "/v1/pull?cursor=0"),
        ("POST", "/v1/attachments"),
        ("GET", "/v1/attachments/" + "a" * 64),
    ],
)
def test_no_credential_is_401(hub: HubHandle, method: str, path: str) -> None:
    response = requests.request(method, hub.url + path, json={"protocol": 1, "items": []}, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_wrong_secret_is_401(hub: HubHandle, station: HubClient) -> None:
    forged = station.credential.__class__(**{**station.credential.__dict__, "secret": b"x" * 32})
    with pytest.raises(AuthRefused) as err:
        HubClient(forged).pull(0)
    assert err.value.status == 401 and err.value.code == "bad_signature"


def test_revoked_station_is_refused(hub: HubHandle, station: HubClient) -> None:
    env = make_envelope(station.credential)
    station.push([env])
    assert hub.cli("revoke", station.credential.station_name)[0] == 0
    with pytest.raises(AuthRefused) as err:
        station.push([make_envelope(station.credential)])
    assert err.value.status == 403 and err.value.code == "station_revoked"
    with pytest.raises(AuthRefused):
        station.pull(0)
    assert hub.cli("enrol-code", "--station", station.credential.station_name)[0] != 0  # stays revoked


def _signed_push(hub: HubHandle, station: HubClient) -> requests.PreparedRequest:
    """One push of a fresh envelope, signed as the station signs it, ready to send (or tamper with)."""
    cred = station.credential
    body = PushRequest(items=[make_envelope(cred)]).model_dump_json().encode()
    prepared = requests.Request(
        "POST", hub.url + "/v1/push", data=body, headers={"Content-Type": "application/json"}
    ).prepare()
    HmacAuth(cred.station_id, cred.secret, "", time.time)(prepared)
    return prepared


def test_replayed_request_is_refused_and_changes_nothing(hub: HubHandle, station: HubClient) -> None:
    prepared = _signed_push(hub, station)
    with requests.Session() as s:
        first = s.send(prepared, timeout=10)
        before = hub.cli("stats", "--json")[1]
        replay = s.send(prepared, timeout=10)
        after = hub.cli("stats", "--json")[1]
    assert first.status_code == 200 and first.json()["results"][0]["status"] == "accepted"
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "replayed"
    assert json.loads(before) == json.loads(after)


def test_tampered_body_is_refused(hub: HubHandle, station: HubClient) -> None:
    cred = station.credential
    prepared = _signed_push(hub, station)
    prepared.body = PushRequest(items=[make_envelope(cred)]).model_dump_json().encode()
    prepared.headers["Content-Length"] = str(len(prepared.body))
    response = requests.Session().send(prepared, timeout=10)
    assert response.status_code == 401 and response.json()["error"]["code"] == "bad_signature"


def test_station_clock_drift_is_corrected(make_station: Make) -> None:
    drifting = make_station(clock=lambda: time.time() - 3600)  # an hour slow after days offline
    assert drifting.pull(0).next_cursor >= 0
    assert 3500 < drifting.clock_offset < 3700
