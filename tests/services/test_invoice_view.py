"""Reading an invoice's detail: its statements stay small however many documents the
customer has had."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from tests.dte_factory import Doc, envelope
from tests.work_data import TODAY, doc_id
from totalfact_tui.db.models import Document
from totalfact_tui.db.session import Database
from totalfact_tui.services.ingest import IngestSettings, ingest_bytes
from totalfact_tui.services.invoice_view import load_invoice_view

PAID = 60


def test_history_statements_do_not_list_the_customers_documents(work_db: Database) -> None:
    """The history once listed the ids of all the customer's documents in three of its
    statements: a thousand parameters each for a big customer, which cost the
    PostgreSQL driver more to prepare than the database to run."""
    docs = [Doc(100 + n) for n in range(PAID)]
    ingest_bytes(work_db, "old.xml", envelope(*docs), IngestSettings(today=TODAY))
    with work_db.write() as session:
        for document in session.scalars(select(Document).where(Document.folio >= 100)):
            document.state = "pagada"
            document.is_open = False
            document.balance = 0
    parameters: list[int] = []

    def count(
        _conn: Any, _cursor: Any, _statement: str, params: Any, _context: Any, _many: bool
    ) -> None:
        parameters.append(len(params or ()))

    event.listen(work_db.engine, "before_cursor_execute", count)
    try:
        view = load_invoice_view(work_db, doc_id(work_db, 1), TODAY, None)
    finally:
        event.remove(work_db.engine, "before_cursor_execute", count)
    assert view.invoice.folio == 1
    assert len(view.others) == 3  # the paid ones are history, not open invoices
    assert max(parameters) < PAID, parameters
