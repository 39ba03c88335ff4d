"""The station schema: migrations reach the models' tables, and the start-up shortcut knows the head."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from models import db
from models.schema import Base


def test_schema_head_constant_matches_the_migrations(tmp_path: Path) -> None:
    engine = db.make_engine(tmp_path / "s.db")
    heads = ScriptDirectory.from_config(db.alembic_config(engine)).get_heads()
    assert heads == [db.SCHEMA_HEAD]
    engine.dispose()


def test_migrations_create_every_model_table(tmp_path: Path) -> None:
    engine = db.make_engine(tmp_path / "s.db")
    assert db.current_revision(engine) is None
    db.migrate(engine)
    assert db.current_revision(engine) == db.SCHEMA_HEAD
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    db.migrate(engine)  # already current: a no-op
    engine.dispose()


def test_migrated_columns_are_the_models_columns(tmp_path: Path) -> None:
    """No column the models do not declare (a dropped one must be dropped by a migration too)."""
    engine = db.make_engine(tmp_path / "s.db")
    db.migrate(engine)
    found = inspect(engine)
    for name, table in Base.metadata.tables.items():
        assert {c["name"] for c in found.get_columns(name)} == set(table.columns.keys()), name
    engine.dispose()


def test_dropping_local_edit_pending_keeps_the_requests(tmp_path: Path) -> None:
    from alembic import command

    engine = db.make_engine(tmp_path / "s.db")
    command.upgrade(db.alembic_config(engine), "0006")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO requests (id, service, state, urgent, local_edit_pending, created_at, updated_at)"
            " VALUES ('r1', 'repair', 'queued', 0, 0, '2026-01-01', '2026-01-01')"
        )
    db.migrate(engine)
    assert "local_edit_pending" not in {c["name"] for c in inspect(engine).get_columns("requests")}
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT id, service FROM requests").all() == [("r1", "repair")]
    engine.dispose()
