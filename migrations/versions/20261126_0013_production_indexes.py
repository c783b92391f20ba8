"""production indexes: the collector production report without visiting payments

- payment_allocations.paid_on / confirmed repeat the payment's date and whether it is
  confirmed (kept by services/payments), with the covering index
  ix_payment_allocations_collected: the money collected in a period is one range;
- ix_action_documents_period (occurred_at, document_id, user_id): the invoices worked
  in a period, joined by hash on PostgreSQL (instead of one probe per allocation);
- ix_actions_user_occurred (user_id, occurred_at, customer_id) replaces
  ix_actions_user_id (its prefix): the customers each collector managed in a period;
- ix_action_documents_document_id goes: ix_action_documents_worked starts with it.

Plain ADD COLUMN (no rebuild) and a backfill from the payments.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("payment_allocations")}
    if "paid_on" not in columns:  # a SQLite downgrade leaves them
        op.add_column("payment_allocations", sa.Column("paid_on", sa.Date(), nullable=True))
        op.add_column(
            "payment_allocations",
            sa.Column("confirmed", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "UPDATE payment_allocations SET (paid_on, confirmed) = "
            "(SELECT paid_on, status = 'confirmed' FROM payments WHERE payments.id = payment_id)"
        )
    else:
        op.execute(
            "UPDATE payment_allocations SET paid_on = payments.paid_on, "
            "confirmed = (payments.status = 'confirmed') FROM payments "
            "WHERE payments.id = payment_id"
        )
    op.create_index(
        "ix_payment_allocations_collected",
        "payment_allocations",
        ["confirmed", "paid_on", "document_id", "amount", "id"],
    )
    op.create_index(
        "ix_action_documents_period",
        "action_documents",
        ["occurred_at", "document_id", "user_id"],
    )
    op.drop_index("ix_action_documents_document_id", table_name="action_documents")
    op.create_index(
        "ix_actions_user_occurred", "actions", ["user_id", "occurred_at", "customer_id"]
    )
    op.drop_index("ix_actions_user_id", table_name="actions")


def downgrade() -> None:
    op.create_index("ix_actions_user_id", "actions", ["user_id"])
    op.drop_index("ix_actions_user_occurred", table_name="actions")
    op.create_index("ix_action_documents_document_id", "action_documents", ["document_id"])
    op.drop_index("ix_action_documents_period", table_name="action_documents")
    op.drop_index("ix_payment_allocations_collected", table_name="payment_allocations")
    if op.get_bind().dialect.name == "sqlite":
        return
    op.drop_column("payment_allocations", "confirmed")
    op.drop_column("payment_allocations", "paid_on")
