"""Groups of collectors sharing a pool of customers (admins manage them)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from totalfact_tui.db.models import Group, GroupMember, User
from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import Conflict, InvalidValue, NotFound
from totalfact_tui.services import audit


@dataclass(frozen=True)
class GroupInfo:
    name: str
    description: str | None
    members: tuple[str, ...]  # usernames


def add_group(
    database: Database, name: str, description: str | None = None, acting: str | None = None
) -> GroupInfo:
    clean = " ".join(name.split())
    if not clean or len(clean) > 100:
        raise InvalidValue(field="NAME", value=name)
    with database.write() as session:
        actor = audit.require_admin(session, acting, "group", clean, "add")
        if session.scalar(select(Group.id).where(Group.name == clean)) is not None:
            raise Conflict("groups.exists", name=clean)
        session.add(Group(name=clean, description=description))
        audit.record(session, actor, "group", clean, "create", after={"description": description})
    return GroupInfo(clean, description, ())


def list_groups(database: Database) -> list[GroupInfo]:
    with database.read() as session:
        groups = session.scalars(select(Group).order_by(Group.name)).all()
        members = session.execute(
            select(GroupMember.group_id, User.username)
            .join(User, User.id == GroupMember.user_id)
            .order_by(User.username)
        ).all()
    by_group: dict[int, list[str]] = {}
    for group_id, username in members:
        by_group.setdefault(group_id, []).append(username)
    return [GroupInfo(g.name, g.description, tuple(by_group.get(g.id, []))) for g in groups]


def set_members(
    database: Database,
    name: str,
    add: list[str] | None = None,
    remove: list[str] | None = None,
    acting: str | None = None,
) -> GroupInfo:
    """Add and remove members (usernames) of the group ``name``."""
    add, remove = add or [], remove or []
    with database.write() as session:
        if add or remove:
            actor = audit.require_admin(session, acting, "group", name, "members")
        else:
            actor = audit.resolve_actor(session, acting)
        group = session.scalar(select(Group).where(Group.name == name))
        if group is None:
            raise NotFound("error.not_found", entity="grupo", key=name)
        current = set(
            session.scalars(
                select(User.username)
                .join(GroupMember, GroupMember.user_id == User.id)
                .where(GroupMember.group_id == group.id)
            )
        )
        for username in add:
            user = session.scalar(select(User).where(User.username == username, User.active))
            if user is None:
                raise NotFound("error.unknown_user", username=username)
            if username not in current:
                session.add(GroupMember(group_id=group.id, user_id=user.id))
        for username in remove:
            user_id = session.scalar(select(User.id).where(User.username == username))
            if user_id is not None:
                session.execute(
                    delete(GroupMember).where(
                        GroupMember.group_id == group.id, GroupMember.user_id == user_id
                    )
                )
        after = sorted((current | set(add)) - set(remove))
        if add or remove:
            audit.record(
                session, actor, "group", name, "members",
                before={"members": sorted(current)}, after={"members": after},
            )  # fmt: skip
        return GroupInfo(group.name, group.description, tuple(after))
