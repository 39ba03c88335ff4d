"""Staff console: sessions, audit, station scopes, resident index, visits, queue indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("last_seen_at", Stamp, nullable=False),
        sa.Column("expires_at", Stamp, nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])
    op.create_table(
        "console_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_console_audit_at", "console_audit", ["at"])
    op.create_table(
        "console_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "staff_stations",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("station_id", sa.String(length=36), sa.ForeignKey("stations.id"), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "station_id"),
    )
    op.create_table(
        "hub_residents",
        sa.Column("station_id", sa.String(length=36), sa.ForeignKey("stations.id"), nullable=False),
        sa.Column("resident_key", sa.String(length=64), nullable=False),
        sa.Column("living_alone", sa.Boolean(), nullable=False),
        sa.Column("data_enc", sa.LargeBinary(), nullable=False),
        sa.Column("seen_at", Stamp, nullable=False),
        sa.Column("last_checkin_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("station_id", "resident_key"),
    )
    op.create_index("ix_hub_residents_alone", "hub_residents", ["station_id", "living_alone"])
    op.create_table(
        "resident_checkins",
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("resident_key", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "resident_key", "day"),
    )
    op.create_table(
        "request_facts",
        sa.Column("request_id", sa.String(length=36), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("resident_key", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("slot_id", sa.String(length=64), nullable=True),
        sa.Column("slot_state", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("request_id"),
    )
    op.create_index("ix_request_facts_slot", "request_facts", ["slot_id"])
    op.create_table(
        "checkin_visits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("station_id", sa.String(length=36), sa.ForeignKey("stations.id"), nullable=False),
        sa.Column("resident_key", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visited_by", sa.String(length=64), nullable=False),
        sa.Column("visited_at", Stamp, nullable=False),
        sa.Column("note_enc", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_checkin_visits_day", "checkin_visits", ["station_id", "day"])

    op.add_column("appointment_slots", sa.Column("option", sa.String(length=64), nullable=True))
    op.add_column("requests", sa.Column("department", sa.String(length=64), nullable=True))
    op.add_column("staff_users", sa.Column("locked_until", Stamp, nullable=True))
    op.add_column("staff_users", sa.Column("last_login_at", Stamp, nullable=True))
    op.create_index("ix_requests_received", "requests", ["received_at"])
    op.create_index("ix_requests_status_received", "requests", ["status", "received_at"])
    op.create_index("ix_requests_station_received", "requests", ["station_id", "received_at"])
    op.create_index("ix_requests_kind_status", "requests", ["kind", "status"])


def downgrade() -> None:
    for name in (
        "ix_requests_kind_status",
        "ix_requests_station_received",
        "ix_requests_status_received",
        "ix_requests_received",
    ):
        op.drop_index(name, table_name="requests")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("last_login_at")
        batch.drop_column("locked_until")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("department")
    with op.batch_alter_table("appointment_slots") as batch:
        batch.drop_column("option")
    for table in (
        "checkin_visits",
        "request_facts",
        "resident_checkins",
        "hub_residents",
        "staff_stations",
        "console_state",
        "console_audit",
        "console_sessions",
    ):
        op.drop_table(table)
