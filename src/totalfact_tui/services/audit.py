"""The audit trail: who did what to which record, with before/after values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import AuditEntry, User
from totalfact_tui.domain.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from totalfact_tui.db.session import Database

SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user of the database, or the system (imports, set-up)."""

    username: str
    user_id: int | None = None
    role: str | None = None


SYSTEM_ACTOR = Actor(SYSTEM)


def resolve_actor(session: Session, username: str | None) -> Actor:
    """The acting user; an unknown name is an error, no name means the system."""
    if not username:
        return SYSTEM_ACTOR
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise NotFound("error.unknown_user", username=username)
    actor = Actor(user.username, user.id, user.role)
    # Writes further down the same transaction (state changes) know who acts.
    session.info["actor"] = actor
    return actor


def current_actor(session: Session) -> Actor:
    """Who acts in this transaction (see :func:`resolve_actor`); the system if no one."""
    actor = session.info.get("actor")
    return actor if isinstance(actor, Actor) else SYSTEM_ACTOR


def record(
    session: Session,
    actor: Actor,
    entity: str,
    entity_id: object,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            user_id=actor.user_id,
            username=actor.username,
            entity=entity,
            entity_id=str(entity_id),
            action=action,
            before=before,
            after=after,
        )
    )


def refusal(
    actor: Actor, entity: str, entity_id: object, attempted: str, key: str, **params: Any
) -> Forbidden:
    """The error for a refused action, carrying its audit row: raised inside
    ``Database.write()``, the work is rolled back and the row is kept (the one way a
    refusal is recorded)."""
    row = {
        "user_id": actor.user_id,
        "username": actor.username,
        "entity": entity,
        "entity_id": str(entity_id),
        "action": "refused",
        "after": {"action": attempted},
    }
    return Forbidden(key, record=row, **params)


def require_admin(
    session: Session, acting: str | None, entity: str, entity_id: object, attempted: str
) -> Actor:
    """The acting admin (or the system); anyone else is refused, with the audit row
    the database keeps when the transaction rolls back."""
    actor = resolve_actor(session, acting)
    if actor.user_id is not None and actor.role != "admin":
        raise refusal(actor, entity, entity_id, attempted, "error.forbidden", action=attempted)
    return actor


def entries(
    database: Database,
    *,
    username: str | None = None,
    entity: str | None = None,
    since: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The newest audit entries first, filtered by user, entity and day."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if username:
        query = query.where(AuditEntry.username == username)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if since is not None:
        query = query.where(AuditEntry.at >= datetime.combine(since, time.min, tzinfo=UTC))
    with database.read() as session:
        return [
            {
                "at": entry.at,
                "username": entry.username,
                "entity": entry.entity,
                "entity_id": entry.entity_id,
                "action": entry.action,
                "before": entry.before,
                "after": entry.after,
            }
            for entry in session.scalars(query)
        ]
