"""failed_attempts: failed logins and enrolment-code guesses per client address, shared by every hub
process (the throttle counted them in each worker's memory, so `serve --workers N` allowed N times
the limit)

Revision ID: 0007_failed_attempts
Revises: 0006_rollups
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_failed_attempts"
down_revision = "0006_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "failed_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_failed_attempts_scope_address_at", "failed_attempts", ["scope", "address", "at"])
    op.create_index("ix_failed_attempts_at", "failed_attempts", ["at"])


def downgrade() -> None:
    op.drop_index("ix_failed_attempts_at", "failed_attempts")
    op.drop_index("ix_failed_attempts_scope_address_at", "failed_attempts")
    op.drop_table("failed_attempts")
