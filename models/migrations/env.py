"""Alembic environment: runs against the engine models/db.py hands in (never a URL from a file)."""

from __future__ import annotations

from alembic import context

from models.schema import Base

engine = context.config.attributes.get("engine")
if engine is None:  # `alembic revision --autogenerate` during development
    from sqlalchemy import create_engine

    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "sqlite:///:memory:")

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
