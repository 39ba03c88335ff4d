"""Qt's xcb platform plugin finds every library it links to, and `scripts/setup.sh --run` installs
each of them: a kiosk with a real screen must not meet "could not load the Qt platform plugin xcb"."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The C and C++ runtimes: Python itself (python3-venv in RUN_PACKAGES) already depends on them.
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}


def qt_dir() -> Path:
    spec = importlib.util.find_spec("PySide6")
    assert spec is not None and spec.origin, "PySide6 is not installed"
    return Path(spec.origin).parent / "Qt"


def xcb_binaries() -> list[Path]:
    qt = qt_dir()
    files = [qt / "plugins" / "platforms" / "libqxcb.so", *sorted((qt / "lib").glob("libQt6XcbQpa.so*"))[:1]]
    for path in files:
        assert path.exists(), path
    return files


def test_xcb_plugin_resolves_every_library() -> None:
    done = subprocess.run(["ldd", *map(str, xcb_binaries())], capture_output=True, text=True, check=True)
    missing = sorted({line.split()[0] for line in done.stdout.splitlines() if "not found" in line})
    assert not missing, f"Qt's xcb plugin cannot load: missing {missing} (run scripts/setup.sh --run)"


def run_packages() -> set[str]:
    """RUN_PACKAGES=( … ) from scripts/setup.sh, comments dropped."""
    text = (ROOT / "scripts" / "setup.sh").read_text()
    block = re.search(r"^RUN_PACKAGES=\((.*?)^\)", text, re.S | re.M)
    assert block
    return {word for line in block.group(1).splitlines() for word in line.split("#")[0].split()}


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="Debian packaging only")
def test_setup_run_installs_the_package_of_every_xcb_dependency() -> None:
    """Each library the plugin needs directly comes from a package in RUN_PACKAGES, or from one that
    Python itself needs — so a fresh `--run` machine has it too."""
    needed: set[str] = set()
    for binary in xcb_binaries():
        dynamic = subprocess.run(
            ["readelf", "-d", str(binary)], capture_output=True, text=True, check=True
        ).stdout
        needed |= {m for m in re.findall(r"Shared library: \[(.+?)\]", dynamic) if not m.startswith("libQt6")}
    ours = run_packages()
    # One dpkg -S for all of them (each call reads the whole file list): "pkg:arch: /path/lib".
    owners = subprocess.run(
        ["dpkg", "-S", *(f"*/{lib}" for lib in sorted(needed))], capture_output=True, text=True
    ).stdout
    by_lib = {line.rsplit("/", 1)[-1]: line.split(":")[0] for line in owners.splitlines() if ": /" in line}
    assert needed <= by_lib.keys(), f"no installed Debian package ships {sorted(needed - by_lib.keys())}"
    uncovered = [
        f"{lib} ({by_lib[lib]})" for lib in sorted(needed) if by_lib[lib] not in ours | BASE_PACKAGES
    ]
    assert not uncovered, f"scripts/setup.sh RUN_PACKAGES lacks: {uncovered}"
