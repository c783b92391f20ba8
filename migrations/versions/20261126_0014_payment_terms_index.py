"""payment terms index

ix_documents_payment_terms (id, issue_date, due_date, collector_id) over the
receivables that are not ceded: payment timing looks each paid invoice up by id
without visiting its row (PostgreSQL otherwise scanned every invoice to hash them).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 15:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_documents_payment_terms",
        "documents",
        ["id", "issue_date", "due_date", "collector_id"],
        sqlite_where=sa.text("kind = 'receivable' AND ceded = 0"),
        postgresql_where=sa.text("kind = 'receivable' AND NOT ceded"),
    )


def downgrade() -> None:
    op.drop_index("ix_documents_payment_terms", table_name="documents")
