"""The agenda rules of DESIGN.md §4, and its invariant over the whole demo database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.dte_factory import OWN_RUT, Doc, envelope
from totalfact_tui.db.models import Customer, Document, Group, GroupMember, Promise, User
from totalfact_tui.db.session import Database
from totalfact_tui.domain.agenda import AgendaFilter
from totalfact_tui.domain.errors import Conflict, InvalidValue, TotalfactError
from totalfact_tui.services import agenda
from totalfact_tui.services.actions import ActionForm, log_action
from totalfact_tui.services.companies import register_own_company
from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.demo import DemoOptions, build_demo
from totalfact_tui.services.ingest import IngestSettings, ingest_bytes
from totalfact_tui.services.notes import add_note, mark_read
from totalfact_tui.services.users import add_user

TODAY = date(2026, 3, 2)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """Own company, a collector (ana) with one customer, a manager, and four invoices."""
    database = open_app_database(db_url)
    register_own_company(database, OWN_RUT, "Andes")
    add_user(database, "ana", "Ana Soto", "collector")
    add_user(database, "beto", "Beto Rojas", "collector")
    add_user(database, "jefa", "Jefa Cobranza", "manager")
    docs = [
        Doc(1, due_date=date(2026, 1, 15), net=100_000),  # long overdue
        Doc(2, due_date=date(2026, 3, 4), net=900_000),  # first action due on 1 March
        Doc(3, due_date=date(2026, 3, 20), net=50_000),  # first action on 17 March
        Doc(4, due_date=date(2026, 2, 20), net=300_000),
    ]
    ingest_bytes(database, "inv.xml", envelope(*docs), IngestSettings(today=TODAY))
    with database.write() as session:
        ana = session.scalars(select(User).where(User.username == "ana")).one()
        customer = session.scalars(select(Customer)).one()
        customer.collector_id = ana.id
        for document in session.scalars(select(Document)):
            document.collector_id = ana.id
    yield database
    database.dispose()


def ids(database: Database, username: str, day: date, **kwargs: object) -> list[int]:
    viewer = agenda.person(database, username)
    scope = agenda.scope_for(viewer)
    page = agenda.load_page(database, viewer, scope, day, limit=100, **kwargs)  # type: ignore[arg-type]
    return [row.folio for row in page.rows]


def doc_id(database: Database, folio: int) -> int:
    with database.read() as session:
        return session.scalars(select(Document.id).where(Document.folio == folio)).one()


def test_first_action_due_with_the_preventive_lead(db: Database) -> None:
    assert ids(db, "ana", TODAY) == [1, 4, 2]  # oldest first; folio 3 is not due yet
    assert ids(db, "ana", date(2026, 3, 16)) == [1, 4, 2]
    assert ids(db, "ana", date(2026, 3, 17)) == [1, 4, 2, 3]
    assert ids(db, "ana", TODAY, order=agenda.LARGEST) == [2, 4, 1]
    assert ids(db, "beto", TODAY) == []


def test_an_action_removes_the_invoice_until_its_next_date(db: Database) -> None:
    form = ActionForm(
        document_ids=(doc_id(db, 1),),
        result_code="volver_llamar",
        next_action_date=TODAY + timedelta(days=2),
    )
    logged = log_action(db, "ana", form, TODAY)
    assert logged.next_action_date == date(2026, 3, 4)
    assert ids(db, "ana", TODAY) == [4, 2]
    assert ids(db, "ana", date(2026, 3, 4)) == [1, 4, 2]
    row = agenda.load_page(
        db, agenda.person(db, "ana"), agenda.scope_for(agenda.person(db, "ana")), date(2026, 3, 4)
    ).rows[0]
    assert (row.folio, row.reason, row.state) == (1, "callback", "en_espera")
    assert row.last_action is not None and row.last_action.result_code == "volver_llamar"


def test_default_next_action_by_result(db: Database) -> None:
    logged = log_action(db, "ana", ActionForm((doc_id(db, 1),), "no_contesta"), TODAY)
    assert logged.next_action_date == TODAY + timedelta(days=1)


def test_promise_kept_and_broken(db: Database) -> None:
    promised = TODAY + timedelta(days=3)
    logged = log_action(
        db,
        "ana",
        ActionForm(
            (doc_id(db, 1), doc_id(db, 4)),
            "promesa_pago",
            promise_date=promised,
            reason_code="en_nomina_pago",
        ),
        TODAY,
    )
    assert logged.next_action_date == promised and logged.promise_id
    with db.read() as session:
        promise = session.get(Promise, logged.promise_id)
        assert promise is not None and promise.amount == 119_000 + 357_000
    assert ids(db, "ana", TODAY) == [2]
    assert ids(db, "ana", promised) == [1, 4, 2]  # back on the promised day
    viewer = agenda.person(db, "ana")
    due_rows = agenda.load_page(db, viewer, agenda.scope_for(viewer), promised).rows
    assert {(r.folio, r.promise_date, r.promise_amount) for r in due_rows if r.folio != 2} == {
        (1, promised, 476_000),
        (4, promised, 476_000),
    }
    assert all(r.last_action and r.last_action.username == "ana" for r in due_rows if r.folio != 2)
    # Grace day (1): still open the day after, broken the day after that.
    assert agenda.settle_day(db, promised + timedelta(days=1)) == 0
    assert agenda.settle_day(db, promised + timedelta(days=2)) == 1
    rows = agenda.load_page(
        db,
        agenda.person(db, "ana"),
        agenda.scope_for(agenda.person(db, "ana")),
        promised + timedelta(days=2),
    ).rows
    broken = [row for row in rows if row.folio in (1, 4)]
    assert all(row.promise_broken and row.broken_promises == 1 for row in broken)
    assert {row.reason for row in broken} == {"promise_broken"}
    assert {row.state for row in broken} == {"vencida"}
    assert {row.promise_date for row in broken} == {None}  # no open promise any more
    with db.read() as session:
        assert session.get(Promise, logged.promise_id).status == "incumplida"  # type: ignore[union-attr]


def test_refusals_and_validation(db: Database) -> None:
    with pytest.raises(TotalfactError) as info:
        log_action(db, None, ActionForm((doc_id(db, 1),), "no_contesta"), TODAY)
    assert info.value.key == "action.needs_user"
    with pytest.raises(TotalfactError) as info:
        log_action(db, "ana", ActionForm((doc_id(db, 1),), "no_such"), TODAY)
    assert info.value.key == "action.unknown_result"
    with pytest.raises(InvalidValue) as info:
        log_action(
            db,
            "ana",
            ActionForm((doc_id(db, 1),), "promesa_pago", promise_date=TODAY - timedelta(days=1)),
            TODAY,
        )
    assert info.value.key == "action.promise_date"
    with db.write() as session:
        session.scalars(select(Document).where(Document.folio == 2)).one().state = "pagada"
        session.scalars(select(Document).where(Document.folio == 2)).one().is_open = False
    with pytest.raises(TotalfactError) as info:
        log_action(db, "ana", ActionForm((doc_id(db, 2),), "no_contesta"), TODAY)
    assert info.value.key == "action.refused"
    assert 2 not in ids(db, "ana", TODAY)


def test_a_stale_version_is_refused_and_nothing_is_written(db: Database) -> None:
    document = doc_id(db, 1)
    with db.read() as session:
        version = session.get(Document, document).version  # type: ignore[union-attr]
    log_action(db, "jefa", ActionForm((document,), "no_contesta"), TODAY)  # someone else
    with pytest.raises(Conflict):
        log_action(
            db, "ana", ActionForm((document,), "volver_llamar", versions={document: version}), TODAY
        )
    viewer = agenda.person(db, "ana")
    row = agenda.load_page(db, viewer, agenda.scope_for(viewer), TODAY + timedelta(days=1)).rows[0]
    assert row.last_action is not None and row.last_action.username == "jefa"


def test_pools_unassigned_and_who_may_look(db: Database) -> None:
    with db.write() as session:
        beto = session.scalars(select(User).where(User.username == "beto")).one()
        group = Group(name="Regiones")
        session.add(group)
        session.flush()
        session.add(GroupMember(group_id=group.id, user_id=beto.id))
        one = session.scalars(select(Document).where(Document.folio == 1)).one()
        one.collector_id, one.group_id = None, group.id
        four = session.scalars(select(Document).where(Document.folio == 4)).one()
        four.collector_id = None
    assert ids(db, "beto", TODAY) == [1]  # the group's pool
    assert ids(db, "ana", TODAY) == [2]
    assert ids(db, "jefa", TODAY) == [4]  # nobody's: the managers' unassigned pool
    manager = agenda.person(db, "jefa")
    ana = agenda.person(db, "ana")
    scope = agenda.scope_for(manager, ana)
    assert [r.folio for r in agenda.load_page(db, manager, scope, TODAY).rows] == [2]
    with pytest.raises(TotalfactError):
        agenda.scope_for(ana, manager)


def test_a_colleagues_note_is_flagged_until_read(db: Database) -> None:
    def unread(username: str) -> dict[int, bool]:
        viewer = agenda.person(db, username)
        page = agenda.load_page(db, viewer, agenda.scope_for(viewer), TODAY, limit=100)
        return {row.folio: row.note_unread for row in page.rows}

    add_note(db, "jefa", doc_id(db, 4), "Llamar a la gerente, no al contador")
    assert unread("ana") == {1: False, 4: True, 2: False}
    add_note(db, "ana", doc_id(db, 1), "Pide copia de la OC")  # her own note: nothing new
    assert unread("ana") == {1: False, 4: True, 2: False}
    ana = agenda.person(db, "ana")
    mark_read(db, ana.user_id, doc_id(db, 4))  # type: ignore[arg-type]
    assert unread("ana") == {1: False, 4: False, 2: False}
    add_note(db, "jefa", doc_id(db, 4), "Ya pagó la mitad")  # a newer note is new again
    assert unread("ana")[4] is True


def test_filters_and_keyset_pages(db: Database) -> None:
    day = date(2026, 3, 20)
    viewer = agenda.person(db, "ana")
    scope = agenda.scope_for(viewer)
    seen = []
    cursor = None
    while True:
        page = agenda.load_page(db, viewer, scope, day, after=cursor, limit=1)
        seen += [row.folio for row in page.rows]
        if page.cursor is None:
            break
        cursor = page.cursor
    assert seen == [1, 4, 2, 3]
    seen, cursor = [], None
    while True:
        page = agenda.load_page(db, viewer, scope, day, agenda.LARGEST, after=cursor, limit=1)
        seen += [row.folio for row in page.rows]
        if page.cursor is None:
            break
        cursor = page.cursor
    assert seen == [2, 4, 1, 3]
    assert ids(db, "ana", day, filters=AgendaFilter(min_balance=300_000)) == [4, 2]
    assert ids(db, "ana", day, filters=AgendaFilter(text="3")) == [3]
    assert ids(db, "ana", day, filters=AgendaFilter(text="pelambres")) == [1, 4, 2, 3]
    assert ids(db, "ana", day, filters=AgendaFilter(min_overdue=30)) == [1]
    assert ids(db, "ana", day, filters=AgendaFilter(states=("nueva",))) == [2, 3]
    totals = agenda.load_totals(db, scope, day)
    assert (totals.items, totals.customers) == (4, 1)
    groups = agenda.load_groups(db, scope, day)
    assert groups[0].items == 4


def test_order_preference_is_remembered(db: Database) -> None:
    ana = agenda.person(db, "ana")
    assert agenda.order_preference(db, ana.user_id) == agenda.OLDEST
    agenda.set_order_preference(db, ana.user_id, agenda.LARGEST)
    assert agenda.order_preference(db, ana.user_id) == agenda.LARGEST


def test_invariant_nothing_is_forgotten_over_60_days(tmp_path: Path) -> None:
    """Every open receivable has an agenda date and, from that date until someone acts
    on it, is on some agenda every day (checked day by day on the demo database)."""
    today = date(2026, 11, 26)
    database = open_app_database(f"sqlite:///{tmp_path / 'demo.db'}")
    build_demo(database, DemoOptions(today=today))
    users = [
        agenda.person(database, name)
        for name in ("admin", "jefe", "cperez", "mrojas", "jsoto", "vmunoz")
    ]
    with database.read() as session:
        open_docs = session.execute(
            select(Document.id, Document.next_action_date).where(Document.is_open)
        ).all()
    assert open_docs
    assert all(next_date is not None for _, next_date in open_docs)
    for offset in range(60):
        day = today + timedelta(days=offset)
        agenda.settle_day(database, day)
        with database.read() as session:
            due = set(
                session.scalars(
                    select(Document.id).where(Document.is_open, Document.next_action_date <= day)
                )
            )
        covered: set[int] = set()
        for user in users:
            scope = agenda.scope_for(user)
            cursor = None
            while True:
                page = agenda.load_page(database, user, scope, day, after=cursor, limit=500)
                covered.update(row.document_id for row in page.rows)
                if page.cursor is None:
                    break
                cursor = page.cursor
        assert due <= covered, (day, len(due - covered))
        if offset == 0:
            first_day = due
        assert first_day <= due  # nobody acted: what was due stays due
    database.dispose()
