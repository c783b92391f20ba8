"""covered agenda items

documents.covered_for_id: the absent collector an invoice is being covered for while
reassigned (totalfact reassign). A plain ADD COLUMN (never a table rebuild of
documents on SQLite).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 09:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("documents")}
    if "covered_for_id" in columns:  # left by a SQLite downgrade (see below)
        return
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its foreign key in one plain ALTER TABLE.
        op.execute("ALTER TABLE documents ADD COLUMN covered_for_id INTEGER REFERENCES users (id)")
        return
    op.add_column(
        "documents",
        sa.Column(
            "covered_for_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_documents_covered_for_id_users"),
            nullable=True,
        ),
    )


def downgrade() -> None:
    # SQLite cannot drop a column used in a foreign key, and rebuilding ``documents``
    # would break the foreign keys pointing at it: the unused column stays (the upgrade
    # finds it); dropping the table (downgrade to base) removes it.
    if op.get_bind().dialect.name == "sqlite":
        return
    op.drop_column("documents", "covered_for_id")
