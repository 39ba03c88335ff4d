"""The layering holds in what Python really loads, not only in what the source says
(docs/architecture.md): each package is imported module by module in a fresh interpreter, and the
modules that interpreter ended up with are checked.

- models/, sync/, voice/ and server/ never load PySide6;
- models/ loads no other project package; sync/ and voice/ load only models/ besides themselves;
- server/ (the hub) loads no station code: of sync/ only the wire modules, never models/, ui/,
  voice/ or desktop/.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("desktop", "ui", "voice", "sync", "models", "server", "assets", "handwriting")
HUB_WIRE_MODULES = {"sync", "sync.protocol", "sync.sealing", "sync.answer_signing"}

PROBE = """
import importlib, json, pkgutil, sys
walked = []
base = importlib.import_module({pkg!r})
walked.append({pkg!r})
for info in pkgutil.walk_packages(base.__path__, {pkg!r} + "."):
    if ".migrations.versions" in info.name or info.name.endswith(".migrations.env"):
        continue
    importlib.import_module(info.name)
    walked.append(info.name)
print(json.dumps({{"walked": walked, "loaded": sorted(sys.modules)}}))
"""


@cache
def probe(pkg: str) -> dict[str, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(pkg=pkg)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    result: dict[str, list[str]] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def project_packages(loaded: list[str]) -> set[str]:
    return {name.split(".")[0] for name in loaded if name.split(".")[0] in PROJECT}


def source_modules(pkg: str) -> set[str]:
    names = set()
    for path in (ROOT / pkg).rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        if "versions" in rel.parts or (rel.parts[-1] == "env" and "migrations" in rel.parts):
            continue
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        names.add(".".join(parts))
    return names


@pytest.mark.parametrize("pkg", ["models", "sync", "voice", "server", "handwriting"])
def test_core_packages_never_load_qt(pkg: str) -> None:
    loaded = probe(pkg)["loaded"]
    assert [m for m in loaded if m.startswith("PySide6") or m.startswith("shiboken6")] == []


@pytest.mark.parametrize("pkg", ["models", "sync", "voice", "server", "handwriting"])
def test_the_probe_walked_every_source_module(pkg: str) -> None:
    """The import walk covered every .py file on disk (so nothing escaped the checks above)."""
    assert source_modules(pkg) <= set(probe(pkg)["walked"])


def test_models_loads_no_other_project_package() -> None:
    assert project_packages(probe("models")["loaded"]) <= {"models", "assets"}


@pytest.mark.parametrize("pkg", ["sync", "voice"])
def test_station_core_loads_only_models_besides_itself(pkg: str) -> None:
    assert project_packages(probe(pkg)["loaded"]) <= {pkg, "models", "assets"}


def test_hub_loads_no_station_code() -> None:
    loaded = probe("server")["loaded"]
    assert project_packages(loaded) <= {"server", "sync"}
    assert {m for m in loaded if m.split(".")[0] == "sync"} <= HUB_WIRE_MODULES
