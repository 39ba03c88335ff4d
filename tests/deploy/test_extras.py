"""Installs that fit each machine: `yizhan[hub]` and `yizhan[kiosk]` each into a fresh venv, and
each imports its own entry points without the other side's packages.

The kiosk venv is the one the offline bundle test installs (tests/deploy/conftest.py), so the
PySide6 wheels are unpacked once per run.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import clean_env, make_venv, pip_into, run_in

pytestmark = pytest.mark.slow

# Top-level distributions that must not be present on the other kind of machine.
KIOSK_ONLY = ("PySide6", "shiboken6", "vosk", "pyttsx3", "sounddevice", "qtawesome")
HUB_ONLY = ("fastapi", "uvicorn", "psycopg", "starlette", "jinja2")

FIND = "import importlib.util as u, json; print(json.dumps({m: u.find_spec(m) is not None for m in %r}))"


def found(python: Path, modules: tuple[str, ...]) -> dict[str, bool]:
    done = run_in(python, FIND % (modules,))
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


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


def test_kiosk_install_has_no_hub_packages_and_starts(kiosk_venv: Path) -> None:
    assert found(kiosk_venv, HUB_ONLY) == dict.fromkeys(HUB_ONLY, False)
    assert found(kiosk_venv, KIOSK_ONLY) == dict.fromkeys(KIOSK_ONLY, True)
    done = run_in(
        kiosk_venv,
        (
            "import desktop.cli, desktop.app, ui.shell, voice.recognizer, sync.client;"
            "from desktop.app import create_app; app = create_app(); print('qt', app.applicationName())"
        ),
        QT_QPA_PLATFORM="offscreen",
    )
    assert done.returncode == 0, done.stderr
    assert "qt yizhan" in done.stdout
