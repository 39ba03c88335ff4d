"""Suite-wide settings and fixtures: Qt renders offscreen; one throwaway PostgreSQL serves every test
directory that needs a hub on PostgreSQL (each hub gets its own database in it); the longest files
are handed out first when the suite runs on several workers."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Config folders (the keyboard's pinyin dictionary path among them) go to a scratch place, not ~/.config.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="yizhan-test-config-")
# Commands run in-process log to a throwaway folder, never the developer's own log folder.
os.environ.setdefault("YIZHAN_LOG_DIR", tempfile.mkdtemp(prefix="yizhan-test-logs-"))

import pytest

from tests.support import pgcluster


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[pgcluster.PgCluster]:
    """initdb + pg_ctl on a temp dir and a free port. Never a silent skip: set-up installs PostgreSQL."""
    assert pgcluster.available(), "PostgreSQL server binaries are missing: run scripts/setup.sh"
    with pgcluster.pg_cluster() as cluster:
        yield cluster


# The files that take longest (wall seconds on the 2-core CI machine, longest first; measured
# 2026-11-28 with --durations). With
# `--dist loadfile` xdist hands whole files to the workers in collection order (pyproject.toml turns
# off its own reordering, which puts files with FEW tests last — exactly these), so putting them first
# lets the many short files fill in behind them and both workers finish together.
LONGEST_FIRST = (
    "tests/sync/test_soak.py",
    "tests/ui/test_tour.py",
    "tests/voice/test_concepts.py",
    "tests/deploy/test_bundle.py",
    "tests/hub/test_openapi_fuzz.py",
    "tests/voice/test_ko_matrix.py",
    "tests/deploy/test_extras.py",
    "tests/console/test_accessibility.py",
    "tests/core/test_crash_safety.py",
)


# Files whose tests run with coverage paused (pytest-cov's `no_cover`, during the test call): they
# repeat, hundreds of times, code other tests cover line for line, and coverage's tracer is a large
# part of their CPU (single runs under --cov, CPU user: the soak at 20 rounds on SQLite 37.9 → 33.8 s,
# one signed OpenAPI fuzz run 37.9 → 31.0 s). The soak's code is the station's submit and sync pass
# (tests/sync/test_station_sync.py, test_failure_modes.py and the fault proxy's own tests walk each
# path); the fuzz's hub runs in a subprocess, which coverage never traced, and in this process the
# fuzz only signs requests (sync/client.py, covered by every sync test).
NO_COVER = ("tests/sync/test_soak.py", "tests/hub/test_openapi_fuzz.py")


@pytest.hookimpl(trylast=True)  # after pytest's own grouping by parametrised session fixtures
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(config.rootpath)

    def path_of(item: pytest.Item) -> str:
        return Path(item.path).relative_to(root).as_posix() if Path(item.path).is_relative_to(root) else ""

    def rank(item: pytest.Item) -> int:
        path = path_of(item)
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each file's tests, and all other files, keep their order
    for item in items:
        if path_of(item) in NO_COVER:
            item.add_marker(pytest.mark.no_cover)
