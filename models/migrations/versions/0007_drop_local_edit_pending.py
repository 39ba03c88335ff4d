"""drop requests.local_edit_pending (always written False, never read by any code)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite's own ALTER TABLE … DROP COLUMN (3.35+), not a batch copy of the table: `requests` is
    # referenced by other tables, and dropping it for a copy would run into their foreign keys.
    op.execute("ALTER TABLE requests DROP COLUMN local_edit_pending")


def downgrade() -> None:
    op.add_column(
        "requests",
        sa.Column("local_edit_pending", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
