"""Opening the application database: connect, then migrate an older schema."""

from __future__ import annotations

from totalfact_tui.db import migrate
from totalfact_tui.db.session import Database, open_database


def open_app_database(url: str) -> Database:
    """Connect to ``url`` and bring its schema up to date (a no-op when it already is)."""
    database = open_database(url)
    try:
        migrate.ensure_schema(database)
    except BaseException:
        database.dispose()
        raise
    return database


def upgrade(database: Database) -> tuple[bool, str]:
    """Upgrade explicitly; returns whether anything changed and the revision now."""
    changed = migrate.ensure_schema(database)
    return changed, migrate.head_revision()


def revisions(database: Database) -> tuple[str | None, str]:
    """(the database's revision, this program's head revision)."""
    return migrate.current_revision(database), migrate.head_revision()
