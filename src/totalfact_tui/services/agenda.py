"""A collector's agenda: who sees what, promises settled first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from totalfact_tui.db.models import GroupMember, User
from totalfact_tui.db.queries.agenda import agenda_page, agenda_totals, customer_groups
from totalfact_tui.db.session import Database
from totalfact_tui.domain.agenda import (
    LARGEST,
    OLDEST,
    ORDERS,
    AgendaFilter,
    AgendaPage,
    AgendaRow,
    AgendaTotals,
    Cursor,
    CustomerGroup,
    Scope,
)
from totalfact_tui.domain.errors import InvalidValue, NotFound, TotalfactError
from totalfact_tui.services.promises import evaluate_promises

__all__ = [
    "LARGEST",
    "OLDEST",
    "AgendaFilter",
    "AgendaPage",
    "AgendaRow",
    "AgendaTotals",
    "Cursor",
    "CustomerGroup",
    "Person",
    "collectors",
    "load_all",
    "load_groups",
    "load_page",
    "load_totals",
    "order_preference",
    "person",
    "scope_for",
    "set_order_preference",
    "settle_day",
]


@dataclass(frozen=True)
class Person:
    user_id: int
    username: str
    name: str
    role: str
    group_ids: tuple[int, ...]

    @property
    def supervises(self) -> bool:
        return self.role in ("manager", "admin")


def person(database: Database, username: str | None) -> Person:
    if not username:
        raise TotalfactError("agenda.needs_user")
    with database.read() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None or not user.active:
            raise NotFound("error.unknown_user", username=username)
        groups = tuple(
            session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == user.id))
        )
        return Person(user.id, user.username, user.name, user.role, groups)


def collectors(database: Database) -> list[Person]:
    """Everyone whose agenda a manager can open: active collectors, by name."""
    with database.read() as session:
        users = session.scalars(
            select(User).where(User.active, User.role == "collector").order_by(User.name)
        ).all()
        memberships: dict[int, list[int]] = {}
        for group_id, user_id in session.execute(select(GroupMember.group_id, GroupMember.user_id)):
            memberships.setdefault(user_id, []).append(group_id)
        return [
            Person(u.id, u.username, u.name, u.role, tuple(memberships.get(u.id, ())))
            for u in users
        ]


def scope_for(viewer: Person, subject: Person | None = None) -> Scope:
    """Whose items an agenda holds: the subject's own and their groups' pools; a
    manager or admin looking at their own agenda also sees the unassigned pool."""
    subject = subject or viewer
    if subject.user_id != viewer.user_id and not viewer.supervises:
        raise TotalfactError("agenda.not_allowed")
    return Scope(
        collector_id=subject.user_id,
        group_ids=subject.group_ids,
        unassigned=subject.user_id == viewer.user_id and viewer.supervises,
    )


def settle_day(database: Database, today: date, lead_days: int = 3) -> int:
    """What falls due whenever an agenda loads: promises whose deadline passed are
    judged (their count is returned), and items covered for an absent collector go back
    once the absence is over."""
    from totalfact_tui.services.reassign import return_ended

    with database.write() as session:
        judged = evaluate_promises(session, today, lead_days)
        return_ended(session, today)
        return judged


def load_page(
    database: Database,
    viewer: Person,
    scope: Scope,
    day: date,
    order: str = OLDEST,
    filters: AgendaFilter | None = None,
    after: Cursor | None = None,
    limit: int = 50,
) -> AgendaPage:
    if order not in ORDERS:
        raise InvalidValue("error.invalid_value", field="order", value=order)
    with database.read() as session:
        return agenda_page(session, scope, day, viewer.user_id, order, filters, after, limit)


def load_all(
    database: Database,
    viewer: Person,
    scope: Scope,
    day: date,
    order: str = OLDEST,
    filters: AgendaFilter | None = None,
    most: int | None = None,
) -> list[AgendaRow]:
    """Every row of an agenda (at most ``most``), in priority order, page by page."""
    rows: list[AgendaRow] = []
    cursor = None
    while True:
        page = load_page(database, viewer, scope, day, order, filters, after=cursor, limit=500)
        rows.extend(page.rows)
        if page.cursor is None or (most is not None and len(rows) >= most):
            return rows[:most] if most is not None else rows
        cursor = page.cursor


def load_totals(
    database: Database, scope: Scope, day: date, filters: AgendaFilter | None = None
) -> AgendaTotals:
    with database.read() as session:
        return agenda_totals(session, scope, day, filters)


def load_groups(
    database: Database,
    scope: Scope,
    day: date,
    order: str = OLDEST,
    filters: AgendaFilter | None = None,
) -> list[CustomerGroup]:
    with database.read() as session:
        return customer_groups(session, scope, day, order, filters)


def order_preference(database: Database, user_id: int) -> str:
    with database.read() as session:
        user = session.get(User, user_id)
        order = (user.preferences or {}).get("agenda_order") if user else None
    return str(order) if order in ORDERS else OLDEST


def set_order_preference(database: Database, user_id: int, order: str) -> None:
    if order not in ORDERS:
        raise InvalidValue("error.invalid_value", field="order", value=order)
    with database.write() as session:
        user = session.get(User, user_id)
        if user is not None:
            user.preferences = {**(user.preferences or {}), "agenda_order": order}
