"""Installs that fit each machine: `yizhan[hub]` into a fresh venv imports and runs the hub's entry
points without any of the kiosk's packages.

The kiosk side (`yizhan[kiosk]` without the hub's packages) is checked in test_bundle.py, on the
venv the offline bundle installs: in the same file, because with `--dist loadfile` each file may run
on its own worker and each worker would build the bundle and unpack the PySide6 wheels again.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import HUB_ONLY, KIOSK_ONLY, clean_env, found, make_venv, pip_into, run_in

pytestmark = pytest.mark.slow


def test_hub_install_has_no_qt_or_voice_and_serves(wheel_dir: Path, tmp_path: Path) -> None:
    python = make_venv(tmp_path / "hub")
    pip_into(python, "--find-links", str(wheel_dir), "yizhan[hub]")
    assert found(python, KIOSK_ONLY) == dict.fromkeys(KIOSK_ONLY, False)
    assert found(python, HUB_ONLY) == dict.fromkeys(HUB_ONLY, True)
    # The hub's entry points: the ASGI app module and the CLI, which sets up a hub on SQLite.
    done = run_in(
        python,
        "import server.main; from server.cli import main;"
        "print('rc', main(['init', '--home', 'h', '--db', 'sqlite:///h.db']))",
    )
    assert done.returncode == 0, done.stderr
    assert "rc 0" in done.stdout
    assert (python.parent / "h" / "hub-keys.json").exists()
    out = subprocess.run(
        [str(python.parent / "yizhan-hub"), "--help"],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=300,
    )
    assert out.returncode == 0 and "serve" in out.stdout
    # The station's kiosk command says what to install instead of a traceback.
    out = subprocess.run(
        [str(python.parent / "yizhan"), "run", "--data-dir", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=300,
    )
    assert out.returncode != 0
    assert "yizhan[kiosk]" in out.stderr and "Traceback" not in out.stderr
