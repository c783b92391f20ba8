"""Users: collectors, managers and admins."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from totalfact_tui.db.models import ROLES, User
from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import Conflict, InvalidValue
from totalfact_tui.services import audit

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class UserInfo:
    username: str
    name: str
    role: str
    email: str | None
    active: bool


def _info(user: User) -> UserInfo:
    return UserInfo(user.username, user.name, user.role, user.email, user.active)


def validate_email(email: str) -> str:
    clean = email.strip()
    if not _EMAIL.match(clean) or len(clean) > 254:
        raise InvalidValue("error.bad_email", email=email)
    return clean


def add_user(
    database: Database,
    username: str,
    name: str,
    role: str,
    email: str | None = None,
    acting: str | None = None,
) -> UserInfo:
    if not _USERNAME.match(username):
        raise InvalidValue("error.bad_username", username=username)
    if role not in ROLES:
        raise InvalidValue("error.bad_role", role=role)
    clean_name = " ".join(name.split())
    if not clean_name:
        raise InvalidValue(field="--name", value=name)
    clean_email = validate_email(email) if email else None
    with database.write() as session:
        actor = audit.resolve_actor(session, acting)
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict("error.user_exists", username=username)
        user = User(username=username, name=clean_name, role=role, email=clean_email)
        session.add(user)
        session.flush()
        audit.record(
            session,
            actor,
            "user",
            username,
            "create",
            after={"name": clean_name, "role": role, "email": clean_email},
        )
        return _info(user)


def list_users(database: Database) -> list[UserInfo]:
    with database.read() as session:
        return [_info(user) for user in session.scalars(select(User).order_by(User.username))]


def check_acting_user(database: Database, username: str) -> None:
    """Refuse an unknown acting user (a database without users accepts any name, so
    that a new installation can be set up before its first user exists)."""
    with database.read() as session:
        if session.scalar(select(User.id).limit(1)) is None:
            return
        audit.resolve_actor(session, username)
