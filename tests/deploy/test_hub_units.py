"""The hub's shipped systemd units (deploy/systemd/) are units systemd itself accepts.

`systemd-analyze verify` also checks that every ExecStart= program exists and is executable. The
units name their installed paths (/opt/yizhan/…, docs/deployment.md), which a test machine does not
have, so the test verifies copies in which only that install prefix points at this checkout's
programs: the hub's `yizhan-hub` entry point and deploy/yizhan-hub-backup.sh. Everything else —
sections, keys, sandboxing options, the timer's calendar and its Unit= — is verified as shipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT

UNITS = ("yizhan-hub.service", "yizhan-hub-backup.service", "yizhan-hub-backup.timer")
HUB_ENTRY = "/opt/yizhan/venv/bin/yizhan-hub"
BACKUP_SCRIPT = "/opt/yizhan/deploy/yizhan-hub-backup.sh"


def _verify(folder: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is missing: scripts/setup.sh --test installs systemd")
    return subprocess.run(
        ["systemd-analyze", "verify", *(str(folder / name) for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"},
    )


def _install(folder: Path, hub_entry: Path) -> None:
    """Copy the shipped units with the install prefix pointed at this checkout's programs."""
    for name in UNITS:
        text = (ROOT / "deploy" / "systemd" / name).read_text(encoding="utf-8")
        text = text.replace(HUB_ENTRY, str(hub_entry)).replace(
            BACKUP_SCRIPT, str(ROOT / "deploy" / "yizhan-hub-backup.sh")
        )
        (folder / name).write_text(text, encoding="utf-8")


def test_shipped_hub_units_verify(tmp_path: Path) -> None:
    hub_entry = Path(sys.executable).parent / "yizhan-hub"
    assert hub_entry.exists(), "the yizhan-hub entry point is not installed in this venv"
    shipped = {name: (ROOT / "deploy" / "systemd" / name).read_text(encoding="utf-8") for name in UNITS}
    # The substitution below must be what makes the difference, not a rewrite of the units.
    assert f"ExecStart={HUB_ENTRY} serve" in shipped["yizhan-hub.service"]
    assert f"ExecStart={BACKUP_SCRIPT}" in shipped["yizhan-hub-backup.service"]
    assert "Unit=yizhan-hub-backup.service" in shipped["yizhan-hub-backup.timer"]

    _install(tmp_path, hub_entry)
    verify = _verify(tmp_path)
    problems = [line for line in verify.stderr.splitlines() if "yizhan" in line]
    assert verify.returncode == 0 and not problems, verify.stderr


def test_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    """The check has teeth: a misspelt key and a timer without a schedule are reported."""
    _install(tmp_path, Path(sys.executable).parent / "yizhan-hub")
    service = tmp_path / "yizhan-hub.service"
    service.write_text(service.read_text().replace("Restart=on-failure", "Restrat=on-failure"))
    timer = tmp_path / "yizhan-hub-backup.timer"
    timer.write_text(timer.read_text().replace("OnCalendar=*-*-* 02:30:00", "OnCalendar=every night"))
    verify = _verify(tmp_path)
    assert "Restrat" in verify.stderr
    assert "yizhan-hub-backup.timer" in verify.stderr
