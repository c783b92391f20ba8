"""Users: collectors, managers and admins."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import ROLES, User
from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import (
    Conflict,
    InvalidValue,
    NotFound,
    SignInFailed,
)
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
        actor = audit.require_admin(session, acting, "user", username, "create")
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


#: Failed sign-ins in a row before the account is locked, and for how long.
MAX_FAILURES = 5
LOCK_MINUTES = 15


def set_password(
    database: Database, username: str, password: str, acting: str | None = None
) -> None:
    """Set ``username``'s password (scrypt hash). Admins set anyone's; a user their own;
    the system (no acting user) only while no one has a password yet (set-up)."""
    from totalfact_tui.services.passwords import check_strength, hash_password

    check_strength(password)
    with database.read() as session:
        actor = audit.resolve_actor(session, acting)
        bootstrap = not passwords_in_use(session)
        if not (actor.role == "admin" or actor.username == username or bootstrap):
            raise audit.refusal(
                actor, "user", username, "passwd", "error.forbidden", action="passwd"
            )
    hashed = hash_password(password)  # slow on purpose: outside the transaction
    with database.write() as session:
        user = _user(session, username)
        user.password_hash = hashed
        user.failed_logins = 0
        user.locked_until = None
        audit.record(session, actor, "user", username, "passwd")


def set_active(database: Database, username: str, active: bool, acting: str | None) -> UserInfo:
    """Disable (or enable again) an account: a disabled user cannot sign in or act.
    Admins only; no one disables themselves."""
    action = "enable" if active else "disable"
    with database.write() as session:
        actor = audit.require_admin(session, acting, "user", username, action)
        if actor.username == username and not active:
            raise InvalidValue("users.not_yourself")
        user = _user(session, username)
        before = user.active
        user.active = active
        if active:
            user.failed_logins = 0
            user.locked_until = None
        audit.record(
            session,
            actor,
            "user",
            username,
            action,
            before={"active": before},
            after={"active": active},
        )
        return _info(user)


def passwords_in_use(session: Session) -> bool:
    """Whether any user has a password (before that, sign-in cannot be required)."""
    return (
        session.scalar(select(User.id).where(User.password_hash.is_not(None)).limit(1)) is not None
    )


def sign_in(
    database: Database, username: str, password: str, now: datetime | None = None
) -> UserInfo:
    """Check a password. After MAX_FAILURES wrong ones in a row the account is locked
    for LOCK_MINUTES; every failure and lock is in the audit trail. The same message
    for an unknown user and a wrong password."""
    from totalfact_tui.services.passwords import verify_password

    moment = now or datetime.now(UTC)
    with database.read() as session:
        user = session.scalar(select(User).where(User.username == username))
        known = user is not None and user.active
        stored = user.password_hash if user is not None else None
        locked_until = user.locked_until if user is not None else None
    if known and locked_until is not None and locked_until > moment:
        raise SignInFailed("auth.locked", until=locked_until.astimezone().strftime("%H:%M"))
    if known and stored is None:
        raise SignInFailed("auth.no_password", username=username)
    good = known and stored is not None and verify_password(password, stored)
    with database.write() as session:
        account = session.scalar(select(User).where(User.username == username))
        if good and account is not None:
            account.failed_logins = 0
            account.locked_until = None
            return _info(account)
        actor = audit.SYSTEM_ACTOR
        if account is None:
            audit.record(session, actor, "user", username, "sign_in_failed")
        else:
            account.failed_logins += 1
            audit.record(
                session, actor, "user", username, "sign_in_failed",
                after={"failures": account.failed_logins},
            )  # fmt: skip
            if account.failed_logins >= MAX_FAILURES:
                account.locked_until = moment + timedelta(minutes=LOCK_MINUTES)
                account.failed_logins = 0
                audit.record(session, actor, "user", username, "locked")
    raise SignInFailed("auth.failed")


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("error.unknown_user", username=username)
    return user
