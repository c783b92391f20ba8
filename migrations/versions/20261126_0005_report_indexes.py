"""report indexes

Covering indexes for the report queries (docs/kpis.md): today's open receivables,
credit sales by issue date, payments by date, actions over a period, promises by the
call that took them, promises by when they were made.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_documents_report_open",
        "documents",
        ["customer_id", "due_date", "balance", "issue_date", "ceded", "state", "collector_id"],
        sqlite_where=sa.text("kind = 'receivable' AND collectable = 1 AND balance > 0"),
        postgresql_where=sa.text("kind = 'receivable' AND collectable AND balance > 0"),
    )
    op.create_index(
        "ix_documents_issue_date_sales",
        "documents",
        ["issue_date", "dte_type", "kind", "collectable", "ceded", "total_amount"],
    )
    op.create_index("ix_payments_paid_on_status", "payments", ["paid_on", "status", "id"])
    op.create_index("ix_payments_reversed_at", "payments", ["reversed_at"])
    op.create_index(
        "ix_payment_allocations_payment_cover",
        "payment_allocations",
        ["payment_id", "document_id", "amount"],
    )
    op.create_index(
        "ix_actions_report",
        "actions",
        ["occurred_at", "channel", "result_code", "user_id", "customer_id"],
    )
    op.create_index(op.f("ix_promises_action_id"), "promises", ["action_id"])
    op.create_index(
        "ix_promises_report",
        "promises",
        ["created_at", "user_id", "status", "amount", "amount_paid"],
    )


def downgrade() -> None:
    op.drop_index("ix_promises_report", table_name="promises")
    op.drop_index(op.f("ix_promises_action_id"), table_name="promises")
    op.drop_index("ix_actions_report", table_name="actions")
    op.drop_index("ix_payment_allocations_payment_cover", table_name="payment_allocations")
    op.drop_index("ix_payments_reversed_at", table_name="payments")
    op.drop_index("ix_payments_paid_on_status", table_name="payments")
    op.drop_index("ix_documents_issue_date_sales", table_name="documents")
    op.drop_index("ix_documents_report_open", table_name="documents")
