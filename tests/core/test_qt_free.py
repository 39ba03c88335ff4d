"""models/, sync/, voice/ and server/ must never pull in PySide6 (ARCHITECTURE.md §1)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QT_FREE = ("models", "sync", "voice", "server", "handwriting")

PROBE = """
import importlib, json, pkgutil, sys
mods = []
for pkg in {pkgs!r}:
    base = importlib.import_module(pkg)
    mods.append(pkg)
    for info in pkgutil.walk_packages(base.__path__, pkg + "."):
        if ".migrations.versions" in info.name or info.name.endswith(".migrations.env"):
            continue
        importlib.import_module(info.name)
        mods.append(info.name)
print(json.dumps({{"modules": mods, "qt": sorted(m for m in sys.modules if m.startswith("PySide6"))}}))
"""


def test_core_packages_never_import_qt() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(pkgs=list(QT_FREE))],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "models.station" in result["modules"]  # the walk really covered the packages
    assert result["qt"] == [], f"Qt-free packages imported {result['qt']}"


def test_every_core_module_was_walked() -> None:
    names = {m.name for m in pkgutil.walk_packages([str(ROOT / "models")], "models.")}
    assert {"models.crypto", "models.keyfile", "models.audit"} <= names
