"""The Alembic history matches the models, upgrades and downgrades on both databases."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from totalfact_tui.db import migrate
from totalfact_tui.db.models import Base, ReasonCode, ResultCode
from totalfact_tui.db.session import Database, open_database

AGENDA_INDEXES = migrate.EXPRESSION_INDEXES


def test_upgrade_from_empty_creates_every_table_and_seeds_catalogs(db_url: str) -> None:
    database = open_database(db_url)
    assert migrate.current_revision(database) is None
    assert migrate.ensure_schema(database) is True
    assert migrate.current_revision(database) == migrate.head_revision()
    tables = set(inspect(database.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    indexes = {index["name"] for index in inspect(database.engine).get_indexes("documents")}
    assert indexes >= AGENDA_INDEXES
    with database.read() as session:
        codes = set(session.scalars(select(ResultCode.code)))
        assert {"no_contesta", "promesa_pago", "dice_pagada", "objeta_factura"} <= codes
        assert session.scalar(select(ReasonCode.label_es).where(ReasonCode.code == "falta_hes"))
    # A second call is a no-op.
    assert migrate.ensure_schema(database) is False
    database.dispose()


def schema_differences(database: Database) -> list[Any]:
    """What autogenerate finds between the database and the models."""
    with database.engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes; alembic warns and skips them.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": migrate.include_object}
        )
        return list(compare_metadata(context, Base.metadata))


def test_autogenerate_finds_no_difference(db_url: str) -> None:
    database = open_database(db_url)
    migrate.ensure_schema(database)
    assert schema_differences(database) == []
    database.dispose()


def test_downgrade_to_base_and_upgrade_again(db_url: str) -> None:
    database = open_database(db_url)
    migrate.ensure_schema(database)
    migrate.downgrade(database, "base")
    assert migrate.current_revision(database) is None
    assert "documents" not in inspect(database.engine).get_table_names()
    migrate.upgrade(database)
    assert migrate.current_revision(database) == migrate.head_revision()
    assert "documents" in inspect(database.engine).get_table_names()
    database.dispose()


def test_a_newer_schema_than_the_program_is_refused(sqlite_url: str) -> None:
    database = open_database(sqlite_url)
    migrate.ensure_schema(database)
    with database.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'future99'")
    from totalfact_tui.domain.errors import TotalfactError

    with pytest.raises(TotalfactError) as info:
        migrate.ensure_schema(database)
    assert info.value.key == "error.schema_too_new"
    database.dispose()


def test_agenda_indexes_read_in_priority_order(db_url: str) -> None:
    """Autogenerate cannot compare the expression indexes: check their definition here."""
    database = open_database(db_url)
    migrate.ensure_schema(database)
    with database.engine.connect() as connection:
        if database.dialect == "sqlite":
            rows = connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
            ).all()
        else:
            rows = connection.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'documents'"
            ).all()
    definitions = {name: " ".join(sql.split()) for name, sql in rows if name in AGENDA_INDEXES}
    assert (
        "(collector_id, due_date, balance DESC, id, next_action_date, customer_id, promise_broken)"
        in definitions["ix_documents_agenda_oldest"]
    )
    assert (
        "(collector_id, balance DESC, due_date, id, next_action_date, customer_id, promise_broken)"
        in definitions["ix_documents_agenda_largest"]
    )
    assert (
        "(group_id, due_date, balance DESC, id, next_action_date, customer_id, promise_broken)"
        in definitions["ix_documents_pool_oldest"]
    )
    for sql in definitions.values():
        assert "WHERE" in sql and "is_open" in sql
    database.dispose()


def test_the_head_constant_matches_alembic() -> None:
    assert migrate.head_revision() == migrate.HEAD
