"""The hub's migrations build exactly the tables and indexes its models declare (so a model change
without a migration, or an index only one of them has, fails here)."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import server.db.console_models  # its tables join Base.metadata
import server.db.consult_models  # noqa: F401  (likewise)
from server.db.migrate import upgrade
from server.db.models import Base


def test_migrations_match_the_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/hub.sqlite3")
    upgrade(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    assert {"request_stats", "request_day_counts", "topic_day_counts"} <= set(
        Base.metadata.tables  # console_models, imported above, registered them
    )
    engine.dispose()
