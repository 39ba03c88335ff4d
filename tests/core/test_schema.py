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
