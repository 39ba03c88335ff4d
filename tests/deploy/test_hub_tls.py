"""The hub as deployed: `yizhan-hub serve` on PostgreSQL behind nginx (deploy/nginx/yizhan-hub.conf)
terminating TLS with a certificate from a throwaway CA; a station enrols and syncs over https with
the `yizhan` command, trusting that CA and nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from models.station import KIOSK, Station
from tests.deploy.tls import Certs, Proxy, make_certs, running_nginx
from tests.support.hubhandle import HubHandle, started_hub
from tests.support.pgcluster import PgCluster

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "tls station passphrase"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def hub(postgres_cluster: PgCluster) -> Iterator[HubHandle]:
    with started_hub(
        "postgresql", postgres_cluster.create_database("tlshub"), prefix="yizhan-tls-hub-"
    ) as handle:
        yield handle


@pytest.fixture(scope="module")
def proxy(hub: HubHandle, certs: Certs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    with running_nginx(tmp_path_factory.mktemp("nginx"), certs, hub.process.port) as running:
        yield running


def yizhan(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), "YIZHAN_PASSPHRASE": PASSPHRASE, **(env or {})}
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        if env is None or name not in env:
            full.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=full,
    )


def trust_args(ca: Path) -> tuple[list[str], dict[str, str]]:
    """`yizhan enrol --ca FILE` where the command has it; until then requests' own CA variable."""
    if "--ca" in yizhan("enrol", "--help").stdout:
        return ["--ca", str(ca)], {}
    return [], {"REQUESTS_CA_BUNDLE": str(ca)}


def test_proxy_serves_tls_from_the_ca_and_redirects_plain_http(proxy: Proxy, certs: Certs) -> None:
    health = requests.get(proxy.url + "/v1/health", verify=str(certs.ca), timeout=10)
    assert health.status_code == 200 and health.json()["protocol"]
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(proxy.url + "/v1/health", timeout=10)  # the system's CAs do not know this one
    plain = requests.get(f"http://127.0.0.1:{proxy.http_port}/v1/health", allow_redirects=False, timeout=10)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")


def test_station_enrols_and_syncs_over_https(
    proxy: Proxy, certs: Certs, hub: HubHandle, tmp_path: Path
) -> None:
    data = tmp_path / "station"
    station = Station.create(data, PASSPHRASE, name="林溪村", prefix="T01")
    receipt = station.requests.submit("problem_report", {"description": "路灯不亮"}, KIOSK)
    station.close()
    code = hub.enrol_code("林溪村")

    # Without trusting the county CA, enrolment fails with a clear message and stores nothing.
    refused = yizhan("enrol", "--data-dir", str(data), "--hub", proxy.url, "--code", code)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "enrol" in refused.stderr.lower()

    args, env = trust_args(certs.ca)
    enrolled = yizhan("enrol", "--data-dir", str(data), "--hub", proxy.url, "--code", code, *args, env=env)
    assert enrolled.returncode == 0, enrolled.stderr
    assert proxy.url in enrolled.stdout

    synced = yizhan("sync", "--data-dir", str(data), "--once", env=env)
    assert synced.returncode == 0, synced.stderr + synced.stdout
    report = json.loads(synced.stdout)
    assert report["complete"] is True and report["acknowledged"] >= 1
    held = hub.station_requests("林溪村")
    assert [code for code, _status in held.values()] == [receipt.receipt_code]
