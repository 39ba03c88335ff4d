"""`yizhan kiosk install-autostart`: a systemd user unit that systemd itself accepts, enabled for the
graphical session, starting `yizhan run` full screen; what it starts (after a crash too) is locked
even when the session's environment carries a passphrase."""

from __future__ import annotations

import configparser
import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import autostart
from tests.deploy.conftest import ROOT, clean_env

PASSPHRASE = "autostart-pass-2026"


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from models.station import Station

    folder = tmp_path_factory.mktemp("station") / "st"
    Station.create(folder, PASSPHRASE, name="幸福村").close()
    return folder


def yizhan(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )


def read_unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    unit.read(path, encoding="utf-8")
    return unit


def test_install_writes_a_valid_enabled_unit_and_autostart_entry(station: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    done = yizhan("kiosk", "install-autostart", "--data-dir", str(station), XDG_CONFIG_HOME=str(config))
    assert done.returncode == 0, done.stderr
    files = autostart.paths(config)
    assert files.wants_link.resolve() == files.unit.resolve()  # enabled for graphical-session.target
    unit = read_unit(files.unit)
    assert unit["Service"]["Restart"] == "on-failure"
    assert unit["Service"]["UnsetEnvironment"] == "YIZHAN_PASSPHRASE"
    argv = shlex.split(unit["Service"]["ExecStart"])
    assert argv[-3:] == ["run", "--data-dir", str(station)] and "--windowed" not in argv
    entry = read_unit(files.desktop_entry)
    assert autostart.UNIT_NAME in entry["Desktop Entry"]["Exec"]

    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is missing: scripts/setup.sh --test installs systemd")
    verify = subprocess.run(
        ["systemd-analyze", "verify", str(files.unit)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"},
    )
    problems = [line for line in verify.stderr.splitlines() if str(files.unit) in line or "yizhan" in line]
    assert verify.returncode == 0 and not problems, verify.stderr

    done = yizhan("kiosk", "remove-autostart", XDG_CONFIG_HOME=str(config))
    assert done.returncode == 0
    assert not files.unit.exists() and not files.wants_link.is_symlink() and not files.desktop_entry.exists()


def test_install_refuses_a_folder_without_a_station(tmp_path: Path) -> None:
    done = yizhan(
        "kiosk",
        "install-autostart",
        "--data-dir",
        str(tmp_path / "none"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    assert done.returncode != 0 and "yizhan init" in done.stderr
    assert not autostart.paths(tmp_path / "config").unit.exists()


def test_what_the_unit_starts_comes_up_full_screen_and_locked_after_a_crash(
    station: Path, tmp_path: Path
) -> None:
    files = autostart.install(station, tmp_path / "config", [sys.executable, "-m", "desktop.cli"])
    unit = read_unit(files.unit)
    argv = shlex.split(unit["Service"]["ExecStart"].replace("%%", "%"))
    # The environment systemd gives the service: the session's, minus UnsetEnvironment.
    session_env = clean_env(
        PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", YIZHAN_NO_VOICE="1", YIZHAN_PASSPHRASE=PASSPHRASE
    )
    service_env = {
        k: v for k, v in session_env.items() if k not in unit["Service"]["UnsetEnvironment"].split()
    }
    # A kiosk that crashes (SIGSEGV) is a failure in systemd's sense: Restart=on-failure applies.
    first = subprocess.Popen(
        argv, env=service_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    with contextlib.suppress(subprocess.TimeoutExpired):
        first.wait(timeout=3)
    first.send_signal(signal.SIGSEGV)
    assert first.wait(timeout=30) != 0
    # The restart: the same command line, once more. It paints the locked screen, full screen.
    again = subprocess.run(
        argv,
        env={**service_env, "YIZHAN_EXIT_AFTER_FIRST_PAINT": "1"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert "screen=locked fullscreen=1" in again.stdout
    # And with the passphrase the session had, the same start would have unlocked: the unit's
    # UnsetEnvironment is what keeps it locked.
    unlocked = subprocess.run(
        argv,
        env={**session_env, "YIZHAN_EXIT_WHEN_HOME": "1"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "home-shown" in unlocked.stdout, unlocked.stderr
