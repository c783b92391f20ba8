"""The agenda, detail and report queries use their indexes and never scan the whole
invoices or actions table, on SQLite and PostgreSQL, so that a later change cannot
silently lose them. SQLite's plan is read as is; PostgreSQL's with sequential scans
discouraged (on a small test database a scan is cheaper, which says nothing about the
index being usable)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from totalfact_tui.db.queries import agenda
from totalfact_tui.db.queries import reports as queries
from totalfact_tui.db.session import Database
from totalfact_tui.domain.agenda import LARGEST, OLDEST, AgendaFilter, Cursor, Scope

DAY = date(2026, 3, 2)
#: The hourly action counters' primary key, as each database names it.
COUNTERS_KEY = ("pk_action_counts", "sqlite_autoindex_action_counts_1")
COLLECTOR = Scope(collector_id=1)
POOL = Scope(collector_id=None, group_ids=(1, 2))
CASES: dict[str, tuple[Callable[[Session], object], str | tuple[str, ...]]] = {
    "agenda, oldest first": (
        lambda s: agenda.agenda_page(s, COLLECTOR, DAY, 1, OLDEST),
        "ix_documents_agenda_oldest",
    ),
    "agenda, largest first": (
        lambda s: agenda.agenda_page(s, COLLECTOR, DAY, 1, LARGEST),
        "ix_documents_agenda_largest",
    ),
    "agenda, next page": (
        lambda s: agenda.agenda_page(s, COLLECTOR, DAY, 1, OLDEST, after=Cursor(DAY, 1000, 5)),
        "ix_documents_agenda_oldest",
    ),
    "agenda, a group's pool": (
        lambda s: agenda.agenda_page(s, POOL, DAY, 1, OLDEST),
        "ix_documents_pool_oldest",
    ),
    "agenda, filtered by state": (
        lambda s: agenda.agenda_page(
            s, COLLECTOR, DAY, 1, OLDEST, AgendaFilter(states=("overdue",))
        ),
        "ix_documents_agenda_oldest",
    ),
    "agenda totals": (
        lambda s: agenda.agenda_totals(s, COLLECTOR, DAY),
        "ix_documents_agenda_",
    ),
    "agenda by customer": (
        lambda s: agenda.customer_groups(s, COLLECTOR, DAY),
        "ix_documents_agenda_",
    ),
    "promises due (judged on every agenda load)": (
        lambda s: _due_promises(s),
        "ix_promises_status_promised_date",
    ),
    "detail history": (
        lambda s: _history(s),
        "ix_actions_customer_id_occurred_at",
    ),
    "balances": (lambda s: queries.balances(s, DAY), "ix_documents_report_open"),
    "debtors": (lambda s: queries.debtors(s, DAY), "ix_documents_report_open"),
    "credit sales": (
        lambda s: queries.credit_sales(s, DAY - timedelta(days=89), DAY),
        "ix_documents_issue_date_sales",
    ),
    "payment timing": (
        lambda s: queries.payment_timing(s, DAY.replace(day=1), DAY),
        "ix_payment_allocations_collected",
    ),
    "payment timing: the invoices' dates": (
        lambda s: queries.payment_timing(s, DAY.replace(day=1), DAY),
        # SQLite's row lookup by rowid is as cheap as the covering index.
        ("ix_documents_payment_terms", "documents USING INTEGER PRIMARY KEY"),
    ),
    "promises and calls": (
        lambda s: queries.promises_and_calls(s, DAY.replace(day=1), DAY),
        "ix_actions_report",
    ),
    "collector production: invoices worked": (
        lambda s: queries.collector_production(s, DAY.replace(day=1), DAY),
        ("ix_action_documents_worked", "ix_action_documents_period"),
    ),
    "collector production: money collected": (
        lambda s: queries.collector_production(s, DAY.replace(day=1), DAY),
        "ix_payment_allocations_collected",
    ),
    "collector production: customers managed": (
        lambda s: queries.collector_production(s, DAY.replace(day=1), DAY),
        "ix_actions_user_occurred",
    ),
    "contact hours": (
        lambda s: queries.contact_hours(s, DAY - timedelta(days=89), DAY),
        COUNTERS_KEY,
    ),
}


def _plans(database: Database, run: Callable[[Session], object], mode: str = "auto") -> str:
    """Run ``run`` (in a transaction rolled back) and return the plans of the statements
    it sent. ``mode`` is PostgreSQL's ``plan_cache_mode``: ``force_generic_plan`` shows
    the plan of a prepared statement planned once for any parameters, which PostgreSQL
    keeps when it finds it as cheap (the agenda page's, whose limit is written in)."""
    statements: list[tuple[str, Any]] = []

    def grab(_c: Any, _cursor: Any, statement: str, params: Any, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    event.listen(database.engine, "before_cursor_execute", grab)
    try:
        with Session(database.engine) as session:
            run(session)
            session.rollback()
    finally:
        event.remove(database.engine, "before_cursor_execute", grab)
    sqlite = database.engine.dialect.name == "sqlite"
    lines = []
    with database.engine.connect() as connection:
        if not sqlite:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            connection.exec_driver_sql(f"SET LOCAL plan_cache_mode = {mode}")
        for statement, params in statements:
            prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            for row in connection.exec_driver_sql(prefix + statement, params):
                lines.append(str(row[-1]))
        connection.rollback()
    return "\n".join(lines)


def _due_promises(session: Session) -> object:
    from totalfact_tui.services.promises import evaluate_promises

    return evaluate_promises(session, DAY, 3)  # rolled back by _plans


def _history(session: Session) -> object:
    from totalfact_tui.services.invoice_view import _history as history

    return history(session, 1, "es")


#: A full scan of a big table: SQLite's ``SCAN documents`` (without an index), or
#: PostgreSQL's ``Seq Scan on actions``.
FULL_SCAN = re.compile(
    r"(^|\s)SCAN (documents|actions)\b(?! USING)|Seq Scan on (documents|actions)\b"
)


@pytest.mark.parametrize("case", list(CASES))
def test_query_uses_its_index(work_db: Database, case: str) -> None:
    run, index = CASES[case]
    plan = _plans(work_db, run)
    names = (index,) if isinstance(index, str) else index
    assert any(name in plan for name in names), plan
    assert not FULL_SCAN.search(plan), plan


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("case", [case for case in CASES if case.startswith("agenda")])
def test_agenda_generic_plan_uses_its_index(work_db: Database, case: str) -> None:
    """On PostgreSQL, a prepared agenda statement may be planned once for any owner and
    day (its page size written in makes that plan cheap enough to keep): that plan
    reads the same index, in order. (SQLite plans every statement anew.)"""
    run, index = CASES[case]
    plan = _plans(work_db, run, mode="force_generic_plan")
    assert isinstance(index, str) and index in plan, plan
    assert not FULL_SCAN.search(plan), plan


def test_the_check_sees_a_full_scan(work_db: Database) -> None:
    """The test above would notice a lost index: a filter on a column no index leads
    with is reported as a full scan on both databases."""
    from sqlalchemy import select

    from totalfact_tui.db.models import Action, Document

    def unindexed(session: Session) -> object:
        session.execute(select(Document.id).where(Document.net_amount == 5)).all()
        return session.execute(select(Action.id).where(Action.comment == "x")).all()

    plan = _plans(work_db, unindexed)
    assert FULL_SCAN.search(plan), plan


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_agenda_page_is_prepared_and_planned_once(work_db: Database) -> None:
    """Paging through the agenda, PostgreSQL stops planning the page's statement: reads
    end without a rollback, which would drop psycopg's prepared statements. (On this
    small database any generic plan is cheap; at a million invoices PostgreSQL keeps it
    only because the page size is written in, as the benchmark's notes show.)"""
    from totalfact_tui.services import agenda as service

    viewer = service.person(work_db, "ana")
    scope = service.scope_for(viewer)
    for _ in range(16):  # prepared from the 6th; planned for its values 5 times more
        service.load_page(work_db, viewer, scope, DAY, LARGEST)
    with work_db.engine.connect() as connection:  # the pool's one connection, reused
        plans = connection.exec_driver_sql(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE strpos(statement, 'ORDER BY documents.balance DESC') > 0"
        ).all()
    assert len(plans) == 1, plans
    generic, custom = plans[0]
    assert (generic, custom) == (6, 5), plans
