"""Statistics by week, and the open work requests in the queue's order.

Revision ID: 0010_weeks
Revises: 0009_pages
Create Date: 2026-11-28 02:30:00

- `request_week_counts`, `topic_week_counts`: the request and topic day rollups added up by office
  week and station (services/console_weeks.py), which the statistics' eight weeks sum instead of
  ~56 days of day rows. Pushes keep them from now on (request_rollups.add); filled here from the
  day rows (no key needed).
- `ix_requests_open_work`: open work requests only (new, received, in progress), in the queue's
  order. The default queue view (every open request, newest first) is one short backward range of
  it; through the all-requests indexes the planner walked past thousands of the day's daily
  check-ins first. Closing a request takes it out of this index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_weeks"
down_revision = "0009_pages"
branch_labels = None
depends_on = None

OPEN_WORK = sa.text(
    "kind IN ('service_request', 'help_call') AND status IN ('new', 'received', 'in_progress')"
)


def upgrade() -> None:
    op.create_table(
        "request_week_counts",
        sa.Column("week", sa.Date(), primary_key=True),
        sa.Column("station_id", sa.String(length=36), primary_key=True),
        sa.Column("service", sa.String(length=64), primary_key=True),
        sa.Column("category", sa.String(length=64), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_table(
        "topic_week_counts",
        sa.Column("week", sa.Date(), primary_key=True),
        sa.Column("station_id", sa.String(length=36), primary_key=True),
        sa.Column("topic", sa.String(length=32), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_requests_open_work",
        "requests",
        ["received_at", "station_created_at", "id"],
        postgresql_where=OPEN_WORK,
        sqlite_where=OPEN_WORK,
    )
    from server.services import console_weeks

    console_weeks.recount(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_requests_open_work", table_name="requests")
    op.drop_table("topic_week_counts")
    op.drop_table("request_week_counts")
