"""Console analysis: topics per request, visit outcomes, "not feeling well" check-ins.

Revision ID: 0003_console
Revises: 0002
Create Date: 2026-11-27 16:00:00

The index these tables belong to is now written in the push transaction (services/
resident_index.index_pushed), never on a page view. `yizhan-hub reindex` fills them for records
pushed before this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_console"
down_revision = "0002"
branch_labels = None
depends_on = None

Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "request_topics",
        sa.Column("request_id", sa.String(length=36), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("word", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("received_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("request_id", "word"),
    )
    op.create_index("ix_request_topics_received", "request_topics", ["received_at"])
    op.create_index("ix_request_topics_topic", "request_topics", ["topic", "received_at"])
    with op.batch_alter_table("checkin_visits") as batch:
        batch.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
    with op.batch_alter_table("hub_residents") as batch:
        batch.add_column(sa.Column("unwell_at", Stamp, nullable=True))
    op.create_index("ix_hub_residents_checkin", "hub_residents", ["living_alone", "last_checkin_at"])


def downgrade() -> None:
    op.drop_index("ix_hub_residents_checkin", table_name="hub_residents")
    with op.batch_alter_table("hub_residents") as batch:
        batch.drop_column("unwell_at")
    with op.batch_alter_table("checkin_visits") as batch:
        batch.drop_column("outcome")
    op.drop_table("request_topics")
