"""Community consultations: questions, voter tokens, ballots and station rolls (secret ballot).

Revision ID: 0005
Revises: 0003_console
Create Date: 2026-11-27 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003_console"
branch_labels = None
depends_on = None

Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("options_json", sa.Text(), nullable=False),
        sa.Column("allow_suggestions", sa.Boolean(), nullable=False),
        sa.Column("stations_json", sa.Text(), nullable=True),
        sa.Column("opens_at", Stamp, nullable=False),
        sa.Column("closes_at", Stamp, nullable=True),
        sa.Column("closed_at", Stamp, nullable=True),
        sa.Column("published_at", Stamp, nullable=True),
        sa.Column("result_text", sa.Text(), nullable=True),
        sa.Column("voter_key_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
    )
    op.create_table(
        "consult_voters",
        sa.Column(
            "consultation_id", sa.String(length=36), sa.ForeignKey("consultations.id"), primary_key=True
        ),
        sa.Column("voter_token", sa.String(length=64), primary_key=True),
    )
    op.create_table(
        "consult_ballots",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("consultation_id", sa.String(length=36), sa.ForeignKey("consultations.id"), nullable=False),
        sa.Column("station_id", sa.String(length=36), sa.ForeignKey("stations.id"), nullable=False),
        sa.Column("option", sa.Integer(), nullable=True),
        sa.Column("suggestion_enc", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_consult_ballots_consultation_id", "consult_ballots", ["consultation_id"])
    op.create_table(
        "consult_rolls",
        sa.Column(
            "consultation_id", sa.String(length=36), sa.ForeignKey("consultations.id"), primary_key=True
        ),
        sa.Column("station_id", sa.String(length=36), sa.ForeignKey("stations.id"), primary_key=True),
        sa.Column("residents", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("consult_rolls")
    op.drop_index("ix_consult_ballots_consultation_id", "consult_ballots")
    op.drop_table("consult_ballots")
    op.drop_table("consult_voters")
    op.drop_table("consultations")
