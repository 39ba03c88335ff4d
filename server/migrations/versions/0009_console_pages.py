"""Console pages without big scans: per-status request counters and the work-queue index.

Revision ID: 0009_pages
Revises: 0008_station_prefix
Create Date: 2026-11-27 23:10:00

- `request_status_counts` (station, service, current status → work requests), kept by the same
  push and status-change hooks as the other rollups (services/request_rollups.py): the queue's
  totals are summed from it instead of a count(*) over every open request. Filled here from
  `request_stats` and the requests' statuses (no key needed).
- `ix_requests_work_received`: work requests only (not daily check-ins), in the queue's order
  (hub receipt, station submission, id — newest first read backwards), so a queue page and its
  keyset "more" page are one short index range.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_pages"
down_revision = "0008_station_prefix"
branch_labels = None
depends_on = None

WORK = sa.text("kind IN ('service_request', 'help_call')")


def upgrade() -> None:
    op.create_table(
        "request_status_counts",
        sa.Column("station_id", sa.String(length=36), primary_key=True),
        sa.Column("service", sa.String(length=64), primary_key=True),
        sa.Column("status", sa.String(length=16), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_requests_work_received",
        "requests",
        ["received_at", "station_created_at", "id"],
        postgresql_where=WORK,
        sqlite_where=WORK,
    )
    from server.services import request_rollups

    request_rollups.recount_statuses(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_requests_work_received", table_name="requests")
    op.drop_table("request_status_counts")
