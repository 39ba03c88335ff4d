"""Fixtures for the deployment tests: the project's wheel (built once per run) and fresh virtual
environments that see nothing of the test run's own site-packages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a child in a fresh venv: no PYTHONPATH pointing back at the work tree."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(extra)
    return env


def make_venv(path: Path) -> Path:
    """`python -m venv --without-pip` (fast): packages go in with the test run's own pip via --python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, timeout=120)
    return path / "bin" / "python"


def pip_into(python: Path, *args: str, timeout: float = 600) -> None:
    """Install into another venv with this interpreter's pip (`pip --python`), no .pyc compile."""
    cmd = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-compile", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=clean_env())
    assert done.returncode == 0, f"{' '.join(cmd)}\n{done.stdout}\n{done.stderr}"


def run_in(python: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(**env),
        cwd=python.parent,
    )


# Top-level distributions that must not be present on the other kind of machine.
KIOSK_ONLY = ("PySide6", "shiboken6", "vosk", "pyttsx3", "sounddevice", "qtawesome")
HUB_ONLY = ("fastapi", "uvicorn", "psycopg", "starlette", "jinja2")

FIND = "import importlib.util as u, json; print(json.dumps({m: u.find_spec(m) is not None for m in %r}))"


def found(python: Path, modules: tuple[str, ...]) -> dict[str, bool]:
    done = run_in(python, FIND % (modules,))
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.fixture(scope="session")
def wheel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """yizhan-*.whl built from this work tree (no deps: those come from the index or a bundle)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        timeout=300,
        env=clean_env(),
        capture_output=True,
    )
    assert len(list(out.glob("yizhan-*.whl"))) == 1
    return out


@pytest.fixture(scope="session")
def kiosk_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """scripts/bundle.sh --out DIR, run once: the offline USB folder."""
    out = tmp_path_factory.mktemp("bundle") / "usb"
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "bundle.sh"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        env=clean_env(),
        cwd=ROOT,
    )
    assert done.returncode == 0, f"bundle.sh failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return out


@pytest.fixture(scope="session")
def kiosk_install(kiosk_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle's own install.sh --demo into a fresh prefix (Debian packages are already there on
    a test machine, so dpkg has nothing to do); returns the prefix. pip runs with --no-index."""
    prefix = tmp_path_factory.mktemp("kiosk") / "yizhan"
    done = subprocess.run(
        ["bash", str(kiosk_bundle / "install.sh"), "--prefix", str(prefix), "--demo"],
        capture_output=True,
        text=True,
        timeout=900,
        env=clean_env(
            YIZHAN_NO_START="1", PYTHON=sys.executable, HOME=str(prefix.parent), PIP_NO_COMPILE="1"
        ),
    )  # pip's own switch: no .pyc pass in a test
    assert done.returncode == 0, f"install.sh failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return prefix


@pytest.fixture(scope="session")
def kiosk_venv(kiosk_install: Path) -> Path:
    """The python of a fresh venv with `yizhan[kiosk]` installed from the bundle alone."""
    return kiosk_install / "venv" / "bin" / "python"
