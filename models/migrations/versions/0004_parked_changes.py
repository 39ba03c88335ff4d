"""parked changes (pulled hub changes that could not be applied, kept for a volunteer)

Revision ID: 0004_parked_changes
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_parked_changes"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parked_changes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.String(length=64), nullable=False),
        sa.Column("change_ct", sa.LargeBinary(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("parked_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_parked_changes_seq", "parked_changes", ["seq"])
    op.create_index("ix_parked_changes_ref_id", "parked_changes", ["ref_id"])
    op.create_index("ix_parked_changes_resolved_at", "parked_changes", ["resolved_at"])


def downgrade() -> None:
    op.drop_index("ix_parked_changes_resolved_at", "parked_changes")
    op.drop_index("ix_parked_changes_ref_id", "parked_changes")
    op.drop_index("ix_parked_changes_seq", "parked_changes")
    op.drop_table("parked_changes")
