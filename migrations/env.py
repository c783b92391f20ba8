"""Alembic environment: runs on the connection the application hands over, or on
TOTALFACT_DATABASE_URL when a developer runs the ``alembic`` command."""

from __future__ import annotations

import os

from alembic import context

from totalfact_tui.db.migrate import include_object
from totalfact_tui.db.models import Base
from totalfact_tui.db.session import create_db_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = os.environ.get("TOTALFACT_DATABASE_URL")
    if not url:
        raise SystemExit("Set TOTALFACT_DATABASE_URL to the database to migrate.")
    engine = create_db_engine(url)
    with engine.begin() as own_connection:
        _run(own_connection)
