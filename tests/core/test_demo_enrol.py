"""A demo station joins only a demo hub (or with --demo-ok), against a real hub over HTTP."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from desktop.cli import main as yizhan
from models.demo import DEMO_PASSPHRASE, create_demo
from models.station import Station
from tests.support.hubproc import init_hub, running_hub


def _code(home: Path, db_url: str, station: str) -> str:
    from server.cli import main as hub

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert hub(["enrol-code", "--home", str(home), "--db", db_url, "--station", station]) == 0
    return out.getvalue().split()[0]


def _enrolled(data: Path) -> bool:
    station = Station.open(data, DEMO_PASSPHRASE)
    try:
        return bool(station.setting("hub_url"))
    finally:
        station.close()


@pytest.mark.parametrize("demo_hub", [False, True])
def test_demo_station_joins_only_a_demo_hub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], demo_hub: bool
) -> None:
    data = tmp_path / "demo-station"
    create_demo(data, residents=2, requests=1)
    home, db_url = tmp_path / "hub", f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    init_hub(home, db_url)
    if demo_hub:
        monkeypatch.setenv("YIZHAN_HUB_DEMO", "1")  # the hub process inherits it
    monkeypatch.setenv("YIZHAN_PASSPHRASE", DEMO_PASSPHRASE)
    with running_hub(home, db_url) as hub:
        code = _code(home, db_url, "幸福村")
        capsys.readouterr()
        first = yizhan(["enrol", "--data-dir", str(data), "--hub", hub.url, "--code", code])
        err = capsys.readouterr().err
        if demo_hub:
            assert first == 0, err
            assert _enrolled(data)
            return
        assert first == 1 and "演示驿站" in err and "--demo-ok" in err
        assert not _enrolled(data)
        assert yizhan(["enrol", "--data-dir", str(data), "--hub", hub.url, "--code", code, "--demo-ok"]) == 0
        assert _enrolled(data)
