"""The audit trail: who did what to which record, with before/after values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import AuditEntry, User
from totalfact_tui.domain.errors import NotFound

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
    return Actor(user.username, user.id, user.role)


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
