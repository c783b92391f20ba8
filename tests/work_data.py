"""A small collection database shared by the service and CLI tests: own company, a collector
(ana) owning one customer with four invoices, a second collector and a manager."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from tests.dte_factory import OWN_RUT, Doc, envelope
from totalfact_tui.db.models import Customer, Document, User
from totalfact_tui.db.session import Database
from totalfact_tui.services import agenda
from totalfact_tui.services.companies import register_own_company
from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.ingest import IngestSettings, ingest_bytes
from totalfact_tui.services.users import add_user

TODAY = date(2026, 3, 2)


@pytest.fixture
def work_db(db_url: str) -> Iterator[Database]:
    database = open_app_database(db_url)
    register_own_company(database, OWN_RUT, "Andes")
    add_user(database, "ana", "Ana Soto", "collector", email="ana@andes.cl")
    add_user(database, "beto", "Beto Rojas", "collector")
    add_user(database, "jefa", "Jefa Cobranza", "manager")
    add_user(database, "admin", "Admin", "admin")
    docs = [
        Doc(1, due_date=date(2026, 1, 15), net=100_000),  # 119.000, long overdue
        Doc(2, due_date=date(2026, 3, 4), net=900_000),  # 1.071.000, first action 1 March
        Doc(3, due_date=date(2026, 3, 20), net=50_000),  # 59.500, first action 17 March
        Doc(4, due_date=date(2026, 2, 20), net=300_000),  # 357.000
    ]
    ingest_bytes(database, "inv.xml", envelope(*docs), IngestSettings(today=TODAY))
    with database.write() as session:
        ana = session.scalars(select(User).where(User.username == "ana")).one()
        customer = session.scalars(select(Customer)).one()
        customer.collector_id = ana.id
        customer.segment = "minería"
        for document in session.scalars(select(Document)):
            document.collector_id = ana.id
    yield database
    database.dispose()


def doc_id(database: Database, folio: int) -> int:
    with database.read() as session:
        return session.scalars(select(Document.id).where(Document.folio == folio)).one()


def document(database: Database, folio: int) -> Document:
    with database.read() as session:
        return session.scalars(select(Document).where(Document.folio == folio)).one()


def on_agenda(database: Database, day: date, username: str = "ana") -> dict[int, str | None]:
    """Folio -> reason of the invoices on the user's agenda that day."""
    viewer = agenda.person(database, username)
    page = agenda.load_page(database, viewer, agenda.scope_for(viewer), day, limit=100)
    return {row.folio: row.reason for row in page.rows}


def customer_id(database: Database) -> int:
    with database.read() as session:
        return session.scalars(select(Customer.id)).one()
