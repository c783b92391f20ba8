"""Schema migrations (Alembic), run programmatically.

Every face opens the database through :func:`ensure_schema`, which upgrades an older
database to the current revision inside one locked transaction, so two programs
starting at once never migrate twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import OperationalError

from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import DatabaseUnavailable, TotalfactError

if TYPE_CHECKING:
    from alembic.config import Config

#: The newest revision in migrations/versions (a test keeps it in step with Alembic).
#: Knowing it lets every start check the schema without importing Alembic (~0.15 s).
HEAD = "0015"

_PACKAGE = Path(__file__).resolve().parent.parent


#: Indexes with expression columns (``balance DESC``): autogenerate cannot compare them
#: (SQLite cannot reflect them), so comparisons leave them out; a test checks them.
EXPRESSION_INDEXES = frozenset(
    {"ix_documents_agenda_oldest", "ix_documents_agenda_largest", "ix_documents_pool_oldest"}
)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic autogenerate filter: skip the expression indexes."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def migrations_dir() -> Path:
    """Where the Alembic scripts are: inside an installed wheel, or the source tree."""
    packaged = _PACKAGE / "_migrations"
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent.parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The head revision as Alembic reads it from the scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _lock(connection: Connection) -> None:
    """One migrator at a time. On SQLite, foreign keys are checked at commit: batch
    migrations rebuild tables (copy, drop, rename) and must not trip them midway."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(4242001)"))
    else:
        connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")


def upgrade(database: Database, revision: str = "head") -> None:
    from alembic import command

    with database.engine.execution_options(totalfact_begin="IMMEDIATE").begin() as connection:
        _lock(connection)
        command.upgrade(alembic_config(connection), revision)


def downgrade(database: Database, revision: str = "base") -> None:
    from alembic import command

    with database.engine.execution_options(totalfact_begin="IMMEDIATE").begin() as connection:
        _lock(connection)
        command.downgrade(alembic_config(connection), revision)


def ensure_schema(database: Database) -> bool:
    """Upgrade the database when it is older than this program; True when it did."""
    try:
        current = current_revision(database)
        if current == HEAD:
            return False
        from alembic.script import ScriptDirectory

        scripts = ScriptDirectory.from_config(alembic_config())
        known = {script.revision for script in scripts.walk_revisions()}
        if current is not None and current not in known:
            raise TotalfactError("error.schema_too_new", revision=current)
        upgrade(database)
    except OperationalError as exc:
        raise DatabaseUnavailable(url=database.url, reason=str(exc.orig).splitlines()[0]) from exc
    return True
