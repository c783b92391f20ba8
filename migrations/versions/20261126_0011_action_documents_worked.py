"""action documents: who worked the invoice, and when

action_documents.user_id / occurred_at repeat the action's (written with it), with the
covering index ix_action_documents_worked (document_id, occurred_at, user_id): the
report "collected on worked invoices" reads who worked an invoice in a period without
visiting the actions. Plain ADD COLUMN (no rebuild) and a backfill from the actions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 11:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("action_documents")}
    if "user_id" not in columns:  # a SQLite downgrade leaves them
        op.add_column("action_documents", sa.Column("user_id", sa.Integer(), nullable=True))
        op.add_column(
            "action_documents",
            sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "UPDATE action_documents SET (user_id, occurred_at) = "
            "(SELECT user_id, occurred_at FROM actions WHERE actions.id = action_id)"
        )
    else:
        op.execute(
            "UPDATE action_documents SET user_id = actions.user_id, "
            "occurred_at = actions.occurred_at FROM actions WHERE actions.id = action_id"
        )
    op.create_index(
        "ix_action_documents_worked",
        "action_documents",
        ["document_id", "occurred_at", "user_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_action_documents_worked", table_name="action_documents")
    if op.get_bind().dialect.name == "sqlite":
        return
    op.drop_column("action_documents", "occurred_at")
    op.drop_column("action_documents", "user_id")
