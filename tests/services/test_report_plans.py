"""The report queries use their covering indexes (migration 0005), so that a later
change cannot silently lose them. SQLite's plan is read as is; PostgreSQL's with
sequential scans discouraged (on a small test database a scan is cheaper, which says
nothing about the index being usable)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from totalfact_tui.db.queries import reports as queries
from totalfact_tui.db.session import Database

DAY = date(2026, 3, 2)
CASES: dict[str, tuple[Callable[[Session], object], str]] = {
    "balances": (lambda s: queries.balances(s, DAY), "ix_documents_report_open"),
    "debtors": (lambda s: queries.debtors(s, DAY), "ix_documents_report_open"),
    "credit sales": (
        lambda s: queries.credit_sales(s, DAY - timedelta(days=89), DAY),
        "ix_documents_issue_date_sales",
    ),
    "payment timing": (
        lambda s: queries.payment_timing(s, DAY.replace(day=1), DAY),
        "ix_payments_paid_on_status",
    ),
    "promises and calls": (
        lambda s: queries.promises_and_calls(s, DAY.replace(day=1), DAY),
        "ix_actions_report",
    ),
    "contact hours": (
        lambda s: queries.contact_hours(s, DAY - timedelta(days=89), DAY),
        "ix_actions_report",
    ),
}


def _plans(database: Database, run: Callable[[Session], object]) -> str:
    """Run ``run`` and return the plans of the statements it sent."""
    statements: list[tuple[str, Any]] = []

    def grab(_c: Any, _cursor: Any, statement: str, params: Any, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    event.listen(database.engine, "before_cursor_execute", grab)
    try:
        with database.read() as session:
            run(session)
    finally:
        event.remove(database.engine, "before_cursor_execute", grab)
    sqlite = database.engine.dialect.name == "sqlite"
    lines = []
    with database.engine.connect() as connection:
        if not sqlite:
            connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, params in statements:
            prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            for row in connection.exec_driver_sql(prefix + statement, params):
                lines.append(str(row[-1]))
        connection.rollback()
    return "\n".join(lines)


@pytest.mark.parametrize("case", list(CASES))
def test_report_query_uses_its_index(work_db: Database, case: str) -> None:
    run, index = CASES[case]
    plan = _plans(work_db, run)
    assert index in plan, plan
