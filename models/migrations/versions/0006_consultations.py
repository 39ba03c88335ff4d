"""consultations the hub sent, and who took part (no choices: secret ballot)

Revision ID: 0006
Revises: 0004_parked_changes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004_parked_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("options_json", sa.Text(), nullable=False),
        sa.Column("allow_suggestions", sa.Boolean(), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("voter_key_ct", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "consult_participation",
        sa.Column("consultation_id", sa.String(length=36), primary_key=True),
        sa.Column("voter_token", sa.String(length=64), primary_key=True),
        sa.Column("envelope_id", sa.String(length=36), nullable=False, unique=True),
        sa.Column("duplicate", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("consult_participation")
    op.drop_table("consultations")
