"""customer and contact versions

Optimistic locking on customers and contacts (as on documents): a ``version`` column
the ORM checks on every update. Plain ADD COLUMN with a default (no table rebuild).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 10:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("customers", "contacts")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table, sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "version")
