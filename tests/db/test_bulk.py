"""Bulk loads (demo, ``db copy``) drop indexes, and PostgreSQL's foreign keys, while they
write: everything is back afterwards, and a row without its parent still fails the load."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.db.test_migrations import schema_differences
from totalfact_tui.db import bulk
from totalfact_tui.db.models import ActionDocument, Customer
from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.demo import DemoOptions, build_demo


def test_after_a_bulk_load_the_schema_is_whole_again(db_url: str) -> None:
    database = open_app_database(db_url)
    build_demo(database, DemoOptions(today=date(2026, 11, 26), customers=15, invoices=300))
    assert schema_differences(database) == []  # every index and foreign key is back
    database.dispose()


def test_a_row_without_its_parent_fails_the_load_and_nothing_stays(db_url: str) -> None:
    database = open_app_database(db_url)
    tables = [Customer.__table__, ActionDocument.__table__]
    with (
        pytest.raises(IntegrityError),
        database.engine.begin() as connection,
        bulk.indexes_dropped(connection, tables),  # type: ignore[arg-type]
    ):
        bulk.bulk_insert(
            connection,
            ActionDocument.__table__,  # type: ignore[arg-type]
            ("action_id", "document_id"),
            [(999, 999)],  # no such action or invoice
        )
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(ActionDocument)) == 0
    assert schema_differences(database) == []  # the rollback kept the keys and indexes
    database.dispose()
