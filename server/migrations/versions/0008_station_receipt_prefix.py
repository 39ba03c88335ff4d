"""stations.receipt_prefix: the receipt-code prefix a station claimed at enrolment, unique, so no two
stations hand residents the same receipt code; receipt_prefix_before: the prefix of codes a station
gave out before the hub gave it another one (its records with it are still taken)

Stations enrolled before keep NULL (their first stored record still pins their prefix); a new
station cannot claim a prefix that another station's stored records carry.

Revision ID: 0008_station_prefix
Revises: 0007_failed_attempts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_station_prefix"
down_revision = "0007_failed_attempts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stations", sa.Column("receipt_prefix", sa.String(length=24), nullable=True))
    op.add_column("stations", sa.Column("receipt_prefix_before", sa.String(length=24), nullable=True))
    op.create_index("ux_stations_receipt_prefix", "stations", ["receipt_prefix"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_stations_receipt_prefix", "stations")
    # A plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 has it): batch mode would copy and drop the
    # stations table, which other tables' foreign keys refer to, and SQLite refuses that drop.
    op.drop_column("stations", "receipt_prefix_before")
    op.drop_column("stations", "receipt_prefix")
