"""Console rollups: per-request response facts, per-day request, topic and check-in counts; indexes.

Revision ID: 0006_rollups
Revises: 0005
Create Date: 2026-11-27 19:30:00

The statistics, topics and report pages sum these tables (services/request_rollups.py) instead of
scanning weeks of requests and their history. Pushes and status changes keep them from now on;
`upgrade` fills them for the requests already stored (from requests, request_history,
request_facts and request_topics: no key needed). Paper-ledger imports stored before this
revision count on their hub day until `yizhan-hub reindex` re-reads their ledger dates.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_rollups"
down_revision = "0005"
branch_labels = None
depends_on = None

Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "request_stats",
        sa.Column("request_id", sa.String(length=36), sa.ForeignKey("requests.id"), primary_key=True),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("received_at", Stamp, nullable=False),
        sa.Column("imported", sa.Boolean(), nullable=False),
        sa.Column("first_response_at", Stamp, nullable=True),
        sa.Column("closed_at", Stamp, nullable=True),
        sa.Column("first_h", sa.Float(), nullable=True),
        sa.Column("close_h", sa.Float(), nullable=True),
    )
    op.create_index(
        "ix_request_stats_day", "request_stats", ["day", "station_id", "service", "first_h", "close_h"]
    )
    _day_counts("request_day_counts", ("service", 64), ("category", 64), counts=("n", "closed"))
    _day_counts("topic_day_counts", ("topic", 32))
    _day_counts("topic_word_day_counts", ("topic", 32), ("word", 32))
    _day_counts("checkin_day_counts")
    # The pages' remaining lookups: the queue's topic filter (topic → request ids), the latest
    # visit outcome per resident (warnings), who checked in on a day (check-ins, statistics).
    op.create_index("ix_request_topics_topic_request", "request_topics", ["topic", "request_id"])
    # Topic windows are summed from topic_day_counts now: two fewer indexes to write on each push.
    op.drop_index("ix_request_topics_received", table_name="request_topics")
    op.drop_index("ix_request_topics_topic", table_name="request_topics")
    op.create_index("ix_checkin_visits_resident", "checkin_visits", ["resident_key", "id"])
    op.create_index("ix_resident_checkins_day", "resident_checkins", ["day", "station_id"])
    _backfill()


def _day_counts(name: str, *keys: tuple[str, int], counts: tuple[str, ...] = ("n",)) -> None:
    """A counter table keyed by office day, station and `keys` (name, length), with integer `counts`."""
    op.create_table(
        name,
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("station_id", sa.String(length=36), primary_key=True),
        *[sa.Column(key, sa.String(length=length), primary_key=True) for key, length in keys],
        *[sa.Column(count, sa.Integer(), nullable=False) for count in counts],
    )


def _backfill() -> None:
    from server.services import request_rollups
    from server.services.resident_index import office_tz

    request_rollups.rebuild(op.get_bind(), office_tz(), statuses=False)  # 0009 adds those


def downgrade() -> None:
    op.drop_index("ix_resident_checkins_day", table_name="resident_checkins")
    op.drop_index("ix_checkin_visits_resident", table_name="checkin_visits")
    op.create_index("ix_request_topics_topic", "request_topics", ["topic", "received_at"])
    op.create_index("ix_request_topics_received", "request_topics", ["received_at"])
    op.drop_index("ix_request_topics_topic_request", table_name="request_topics")
    op.drop_table("checkin_day_counts")
    op.drop_table("topic_word_day_counts")
    op.drop_table("topic_day_counts")
    op.drop_table("request_day_counts")
    op.drop_index("ix_request_stats_day", table_name="request_stats")
    op.drop_table("request_stats")
