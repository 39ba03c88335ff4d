"""outbox.server_failures: how many times in a row the hub failed (5xx) on an envelope, kept on disk

A count kept only in the sync engine's memory starts from 0 on every `yizhan sync --once` run, so a
record the hub always fails on was retried whole forever (and held back the records batched with it).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "outbox", sa.Column("server_failures", sa.Integer(), nullable=False, server_default=sa.text("0"))
    )


def downgrade() -> None:
    op.execute("ALTER TABLE outbox DROP COLUMN server_failures")
