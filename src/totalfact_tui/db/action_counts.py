"""Keeping ``action_counts`` (actions per UTC hour, user, channel and result) in step
with the actions: every action added through a session is counted when the session
flushes, in the same transaction; bulk loads rebuild the counters afterwards."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from totalfact_tui.db.models import Action, ActionCount, table_of

COUNTS = table_of(ActionCount)
Key = tuple[datetime, int, str, str]


def hour_of(moment: datetime) -> datetime:
    """The start of the UTC hour of ``moment``."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def count_new_actions(session: Session, _context: Any, _instances: Any) -> None:
    """``before_flush``: add the actions about to be inserted to their counters."""
    counts: Counter[Key] = Counter(
        (hour_of(obj.occurred_at), obj.user_id, obj.channel, obj.result_code)
        for obj in session.new
        if isinstance(obj, Action)
    )
    if counts:
        add(session.connection(), counts)


def add(connection: Connection, counts: Counter[Key]) -> None:
    """Add ``counts`` to the counters (insert, or add to an existing one)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    rows = [
        {"hour": hour, "user_id": user_id, "channel": channel, "result_code": code, "actions": n}
        for (hour, user_id, channel, code), n in counts.items()
    ]
    statement = insert(COUNTS)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["hour", "user_id", "channel", "result_code"],
            set_={"actions": COUNTS.c.actions + statement.excluded.actions},
        ),
        rows,
    )


def hour_sql(dialect: str) -> str:
    """The UTC hour of ``actions.occurred_at`` as stored in ``action_counts.hour``."""
    if dialect == "sqlite":
        # UTCDateTime's text on SQLite: 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC).
        return "substr(occurred_at, 1, 13) || ':00:00.000000'"
    return "date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"


def rebuild(connection: Connection) -> None:
    """Count every action again (after a bulk load, or to repair)."""
    hour = hour_sql(connection.dialect.name)
    connection.execute(text("DELETE FROM action_counts"))
    connection.execute(
        text(
            "INSERT INTO action_counts (hour, user_id, channel, result_code, actions) "
            f"SELECT {hour}, user_id, channel, result_code, count(*) FROM actions "
            f"GROUP BY {hour}, user_id, channel, result_code"
        )
    )
