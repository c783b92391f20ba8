"""Collectors act on their own customers and their group's pool; managers and admins
on every customer; a refusal is a clear error, changes nothing and stays in the audit
trail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.work_data import TODAY, customer_id, doc_id
from totalfact_tui.db.models import Action, AuditEntry, Customer, Document, Group, GroupMember, User
from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import Forbidden
from totalfact_tui.services import payments
from totalfact_tui.services.actions import ActionForm, log_action
from totalfact_tui.services.payments import PaymentForm


def _actions(database: Database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(Action)) or 0


def _refusals(database: Database) -> list[tuple[str, str, object]]:
    with database.read() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "refused"))
        return [(r.username, r.entity, r.after) for r in rows]


def test_a_collector_cannot_work_another_collectors_customer(work_db: Database) -> None:
    one = doc_id(work_db, 1)
    with pytest.raises(Forbidden) as refused:
        log_action(work_db, "beto", ActionForm((one,), "no_contesta"), TODAY)
    assert refused.value.key == "error.forbidden_customer"
    assert _actions(work_db) == 0  # nothing of the refused call was stored
    assert _refusals(work_db) == [("beto", "customer", {"action": "log_action"})]
    with pytest.raises(Forbidden):
        payments.record_payment(work_db, "beto", PaymentForm((one,), 1_000, TODAY), TODAY)
    # The owner, a manager and an admin may.
    for username in ("ana", "jefa", "admin"):
        log_action(work_db, username, ActionForm((one,), "no_contesta"), TODAY)
    assert _actions(work_db) == 3


def test_a_group_pool_is_shared_by_its_members(work_db: Database) -> None:
    with work_db.write() as session:
        group = Group(name="Norte")
        session.add(group)
        session.flush()
        beto = session.scalar(select(User.id).where(User.username == "beto"))
        assert beto is not None
        session.add(GroupMember(group_id=group.id, user_id=beto))
        customer = session.get(Customer, customer_id(work_db))
        assert customer is not None
        customer.collector_id = None
        for document in session.scalars(select(Document)):
            document.collector_id = None
            document.group_id = group.id
    log_action(work_db, "beto", ActionForm((doc_id(work_db, 1),), "no_contesta"), TODAY)
    with pytest.raises(Forbidden):  # ana is not in the group any more than the owner
        log_action(work_db, "ana", ActionForm((doc_id(work_db, 1),), "no_contesta"), TODAY)
    assert _actions(work_db) == 1


def test_confirming_a_payment_is_checked_too(work_db: Database) -> None:
    one = doc_id(work_db, 1)
    form = PaymentForm((one,), 119_000, TODAY, to_confirm=True)
    payment_id = payments.record_payment(work_db, "ana", form, TODAY).payment_id
    with pytest.raises(Forbidden):
        payments.confirm_payment(work_db, "beto", payment_id, TODAY)
    payments.confirm_payment(work_db, "ana", payment_id, TODAY)


def test_contacts_and_customer_data_follow_the_same_rule(work_db: Database) -> None:
    from totalfact_tui.services.contacts import add_contact
    from totalfact_tui.services.customers import CustomerChanges, update_customer

    with pytest.raises(Forbidden):
        add_contact(work_db, "beto", customer_id(work_db), {"name": "Intruso"})
    with pytest.raises(Forbidden):
        update_customer(work_db, "beto", customer_id(work_db), CustomerChanges(segment="retail"))
    add_contact(work_db, "ana", customer_id(work_db), {"name": "Rosa Díaz"})
    update_customer(work_db, "jefa", customer_id(work_db), CustomerChanges(segment="retail"))


def test_pool_members_see_who_has_an_item(work_db: Database) -> None:
    from datetime import timedelta

    from totalfact_tui.services import agenda
    from totalfact_tui.services.worklist import claim

    with work_db.write() as session:
        group = Group(name="Norte")
        session.add(group)
        session.flush()
        for username in ("ana", "beto"):
            user_id = session.scalar(select(User.id).where(User.username == username))
            assert user_id is not None
            session.add(GroupMember(group_id=group.id, user_id=user_id))
        customer = session.get(Customer, customer_id(work_db))
        assert customer is not None
        customer.collector_id = None
        for document in session.scalars(select(Document)):
            document.collector_id, document.group_id = None, group.id

    def worked_by(username: str, day: object = TODAY) -> dict[int, str | None]:
        viewer = agenda.person(work_db, username)
        rows = agenda.load_page(work_db, viewer, agenda.scope_for(viewer), day).rows  # type: ignore[arg-type]
        return {row.folio: row.worked_by for row in rows}

    one = doc_id(work_db, 1)
    claim(work_db, "beto", one, TODAY)  # beto opens folio 1
    assert worked_by("ana")[1] == "beto"
    assert worked_by("beto")[1] is None  # his own work is not flagged to himself
    # ana logs a call on it too: beto keeps it for the day.
    log_action(work_db, "ana", ActionForm((one,), "no_contesta"), TODAY)
    with work_db.read() as session:
        item = session.get(Document, one)
        assert item is not None and item.claimed_by_id is not None
        beto = session.scalar(select(User.id).where(User.username == "beto"))
        assert item.claimed_by_id == beto
    # Another item: logging a call claims it.
    four = doc_id(work_db, 4)
    log_action(work_db, "ana", ActionForm((four,), "no_contesta"), TODAY)
    tomorrow = TODAY + timedelta(days=1)
    assert worked_by("beto", tomorrow).get(4) is None  # a claim lasts the day
    with work_db.read() as session:
        item = session.get(Document, four)
        ana = session.scalar(select(User.id).where(User.username == "ana"))
        assert item is not None and item.claimed_by_id == ana
