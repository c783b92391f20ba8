"""The demo database: realistic, consistent, reproducible, never duplicated."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from totalfact_tui.db.models import (
    Action,
    ActionDocument,
    Customer,
    Document,
    DocumentReference,
    Payment,
    PaymentAllocation,
    Promise,
    PromiseDocument,
    User,
)
from totalfact_tui.db.session import Database
from totalfact_tui.domain import rut
from totalfact_tui.domain.errors import TotalfactError
from totalfact_tui.domain.journey import OPEN_STATES
from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.demo import DemoOptions, build_demo
from totalfact_tui.services.users import add_user

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def default_demo(tmp_path_factory: pytest.TempPathFactory) -> Database:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    database = open_app_database(f"sqlite:///{path}")
    build_demo(database, DemoOptions(today=TODAY))
    return database


def test_each_collector_has_a_workable_agenda_today(default_demo: Database) -> None:
    from totalfact_tui.services.demo import demo_summary

    summary = demo_summary(default_demo, TODAY)
    assert set(summary.agenda) == {"cperez", "mrojas", "jsoto", "vmunoz"}
    for user, count in summary.agenda.items():
        assert 10 <= count <= 40, (user, count)


def test_people_and_catalog_links(default_demo: Database) -> None:
    with default_demo.read() as session:
        roles = Counter(session.scalars(select(User.role)))
        assert roles == {"collector": 4, "manager": 1, "admin": 1}
        customers = session.scalars(select(Customer)).all()
        assert len(customers) == 150
        assert all(rut.is_valid(c.rut) for c in customers)
        assert all((c.collector_id is None) != (c.group_id is None) for c in customers)
        assert any("ñ" in c.name.lower() or "í" in c.name for c in customers)


def test_every_open_receivable_has_an_agenda_date(default_demo: Database) -> None:
    with default_demo.read() as session:
        invoices = session.scalars(select(Document).where(Document.collectable)).all()
        assert invoices
        for doc in invoices:
            assert doc.is_open == (doc.state in OPEN_STATES and not doc.ceded), doc.id
            if doc.is_open:
                assert doc.next_action_date is not None and doc.agenda_reason, doc.id
                assert doc.balance > 0
                assert doc.collector_id is not None or doc.group_id is not None
            else:
                assert doc.next_action_date is None
        promise_due_today = [
            d
            for d in invoices
            if d.is_open and d.agenda_reason == "promise_due" and d.next_action_date == TODAY
        ]
        broken = [d for d in invoices if d.is_open and d.promise_broken]
        assert promise_due_today and broken
        assert all(d.next_action_date <= TODAY and d.broken_promises >= 1 for d in broken)


def test_balances_add_up(default_demo: Database) -> None:
    with default_demo.read() as session:
        paid = dict(
            session.execute(
                select(PaymentAllocation.document_id, func.sum(PaymentAllocation.amount)).group_by(
                    PaymentAllocation.document_id
                )
            ).all()
        )
        notes = session.execute(
            select(DocumentReference.target_document_id, Document.total_amount).join(
                Document, Document.id == DocumentReference.document_id
            )
        ).all()
        credited = Counter[int]()
        for target, amount in notes:
            credited[target] += amount
        for doc in session.scalars(select(Document).where(Document.collectable)):
            expected = doc.total_amount - credited[doc.id] - paid.get(doc.id, 0)
            assert doc.balance == expected, (doc.id, doc.state)
            if doc.state == "pagada" or doc.state == "anulada":
                assert doc.balance == 0


def test_promises_and_actions_are_linked(default_demo: Database) -> None:
    with default_demo.read() as session:
        statuses = Counter(session.scalars(select(Promise.status)))
        assert statuses["cumplida"] > 0 and statuses["incumplida"] > 0 and statuses["abierta"] > 0
        unlinked = session.scalar(
            select(func.count())
            .select_from(Promise)
            .where(~Promise.id.in_(select(PromiseDocument.promise_id)))
        )
        assert unlinked == 0
        orphan_actions = session.scalar(
            select(func.count())
            .select_from(Action)
            .where(~Action.id.in_(select(ActionDocument.action_id)))
        )
        assert orphan_actions == 0
        # Each action's invoices repeat who acted and when (the reports read them there).
        mismatched = session.scalar(
            select(func.count())
            .select_from(ActionDocument)
            .join(Action, Action.id == ActionDocument.action_id)
            .where(
                (ActionDocument.user_id != Action.user_id)
                | (ActionDocument.occurred_at != Action.occurred_at)
                | ActionDocument.user_id.is_(None)
            )
        )
        assert mismatched == 0
        # The hourly counters hold every action once.
        from totalfact_tui.db.models import ActionCount

        keys = (Action.user_id, Action.channel, Action.result_code)
        counted = (ActionCount.user_id, ActionCount.channel, ActionCount.result_code)
        by_actions = dict(
            ((u, c, r), n)
            for u, c, r, n in session.execute(select(*keys, func.count()).group_by(*keys))
        )
        by_counters = dict(
            ((u, c, r), n)
            for u, c, r, n in session.execute(
                select(*counted, func.sum(ActionCount.actions)).group_by(*counted)
            )
        )
        assert by_counters == by_actions and sum(by_actions.values()) > 1000
        future = session.scalar(
            select(func.count()).select_from(Payment).where(Payment.paid_on >= TODAY)
        )
        assert future == 0
        open_past = session.scalar(
            select(func.count())
            .select_from(Promise)
            .where(Promise.status == "abierta", Promise.promised_date < TODAY)
        )
        assert open_past == 0


def _fingerprint(database: Database) -> list[tuple[object, ...]]:
    with database.read() as session:
        return list(
            session.execute(
                select(
                    Document.folio,
                    Document.dte_type,
                    Document.total_amount,
                    Document.balance,
                    Document.state,
                    Document.next_action_date,
                ).order_by(Document.id)
            ).all()
        )


def test_same_seed_same_data_and_no_duplicates_on_rerun(db_url: str, sqlite_url: str) -> None:
    options = DemoOptions(today=TODAY, seed=7, customers=20, invoices=300)
    first = open_app_database(db_url)
    created = build_demo(first, options)
    assert created.created and created.invoices == 300
    again = build_demo(first, options)
    assert not again.created
    assert (again.invoices, again.actions, again.payments) == (
        created.invoices,
        created.actions,
        created.payments,
    )
    rebuilt = build_demo(first, options, reset=True)
    assert rebuilt.created and rebuilt.invoices == 300
    assert rebuilt.actions == created.actions
    if db_url != sqlite_url:
        other = open_app_database(sqlite_url)
        build_demo(other, options)
        assert _fingerprint(other) == _fingerprint(first)
        other.dispose()
    first.dispose()


def test_dates_are_relative_to_today(sqlite_url: str) -> None:
    later = TODAY + timedelta(days=100)
    database = open_app_database(sqlite_url)
    build_demo(database, DemoOptions(today=later, customers=20, invoices=300))
    with database.read() as session:
        newest = session.scalar(select(func.max(Document.issue_date)))
        oldest = session.scalar(select(func.min(Document.issue_date)))
    assert newest is not None and oldest is not None
    assert later - timedelta(days=730) <= oldest and newest <= later
    database.dispose()


def test_a_database_with_real_data_is_refused(sqlite_url: str) -> None:
    database = open_app_database(sqlite_url)
    add_user(database, "ana", "Ana", "admin")
    with pytest.raises(TotalfactError) as info:
        build_demo(database, DemoOptions(today=TODAY, customers=20, invoices=100))
    assert info.value.key == "error.not_demo_database"
    with pytest.raises(TotalfactError) as info:
        build_demo(database, DemoOptions(today=TODAY, customers=5, invoices=100))
    assert info.value.key == "error.demo_size"
    database.dispose()


def test_loading_in_many_small_batches_keeps_foreign_keys(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches are written between invoices, parents first: loading in many small
    batches gives the same consistent database (the keys are checked at the end)."""
    from totalfact_tui.services import demo

    monkeypatch.setattr(demo, "FLUSH_ROWS", 25)
    database = open_app_database(db_url)
    summary = build_demo(database, DemoOptions(today=TODAY, customers=15, invoices=400))
    assert summary.invoices == 400
    assert summary.actions > 25
    database.dispose()
