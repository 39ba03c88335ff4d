"""Topic segmentation off the push: the queue of pushed requests still to be segmented.

Revision ID: 0011_topic_queue
Revises: 0010_weeks
Create Date: 2026-11-28 08:00:00

- `topic_queue`: one row per pushed work request whose topic words (jieba) are still to be found;
  the push writes it in its own transaction and a background worker (or a console read of the
  topic figures) segments the request and deletes the row (services/topic_queue.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.db.types import UtcDateTime

revision = "0011_topic_queue"
down_revision = "0010_weeks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topic_queue",
        sa.Column("request_id", sa.String(length=36), sa.ForeignKey("requests.id"), primary_key=True),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("topic_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("topic_queue")
