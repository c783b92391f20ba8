"""action counts

action_counts: actions per UTC hour, user, channel and result, kept in the same
transaction as every action (db/action_counts.py); the period reports add these up
instead of visiting every action. Filled here from the actions there are.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 13:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "action_counts",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("result_code", sa.String(32), nullable=False),
        sa.Column("actions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "hour", "user_id", "channel", "result_code", name=op.f("pk_action_counts")
        ),
    )
    # The same counting as db/action_counts.rebuild (a migration keeps its own copy).
    if op.get_bind().dialect.name == "sqlite":
        hour = "substr(occurred_at, 1, 13) || ':00:00.000000'"
    else:
        hour = "date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    op.execute(
        "INSERT INTO action_counts (hour, user_id, channel, result_code, actions) "
        f"SELECT {hour}, user_id, channel, result_code, count(*) FROM actions "
        f"GROUP BY {hour}, user_id, channel, result_code"
    )


def downgrade() -> None:
    op.drop_table("action_counts")
