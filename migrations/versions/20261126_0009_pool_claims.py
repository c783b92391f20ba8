"""pool claims

documents.claimed_by_id / claimed_on: who started working a group pool item that day
(opened or logged it), shown to the other members. Plain ADD COLUMN (no rebuild of
documents on SQLite; see 0007 for why a SQLite downgrade leaves the columns).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 10:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("documents")}
    if "claimed_by_id" in columns:  # left by a SQLite downgrade
        return
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE documents ADD COLUMN claimed_by_id INTEGER REFERENCES users (id)")
        op.execute("ALTER TABLE documents ADD COLUMN claimed_on DATE")
        return
    op.add_column(
        "documents",
        sa.Column(
            "claimed_by_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_documents_claimed_by_id_users"),
            nullable=True,
        ),
    )
    op.add_column("documents", sa.Column("claimed_on", sa.Date(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.drop_column("documents", "claimed_on")
    op.drop_column("documents", "claimed_by_id")
