"""Suite-wide settings and fixtures: Qt renders offscreen; one throwaway PostgreSQL serves every test
directory that needs a hub on PostgreSQL (each hub gets its own database in it)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
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
