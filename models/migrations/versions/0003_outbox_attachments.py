"""outbox attachments (photos sealed for chunked upload)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_attachments",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=36), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_index("ix_outbox_attachments_request_id", "outbox_attachments", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_attachments_request_id", "outbox_attachments")
    op.drop_table("outbox_attachments")
