"""Alembic environment for the hub. Run through server/db/migrate.py, which passes the connection."""

from __future__ import annotations

from alembic import context

from server.db import console_models, consult_models  # noqa: F401  (importing registers their tables)
from server.db.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the hub always hands one in
    raise RuntimeError("run hub migrations through `yizhan-hub init`")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
