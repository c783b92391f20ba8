"""Who collects which customers: a collector, or a group's pool (admins assign).
Assigning moves the customer and its invoices (the agenda reads the invoices' owner)
and keeps the history of assignments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from totalfact_tui.db.models import Assignment, Customer, Document, Group, User
from totalfact_tui.db.session import Database
from totalfact_tui.db.types import utcnow
from totalfact_tui.domain import rut
from totalfact_tui.domain.errors import InvalidValue, NotFound
from totalfact_tui.services import audit
from totalfact_tui.services.lookup import customer_matches


@dataclass
class AssignSummary:
    to: str
    kind: str  # user | group
    customers: int = 0
    invoices: int = 0  # open invoices that moved
    ruts: list[str] = field(default_factory=list)
    dry_run: bool = False


@dataclass(frozen=True)
class AssignableCustomer:
    """One row of the admin screen's customer list."""

    rut: str
    name: str
    segment: str | None
    owner: str | None  # username, or the group's name
    owner_kind: str | None  # user | group | None (unassigned)
    open_invoices: int
    open_balance: int


def list_customers(
    database: Database, search: str = "", *, limit: int = 200
) -> list[AssignableCustomer]:
    """Customers whose name contains ``search`` or whose RUT starts with it, by name,
    with who has them and their open balance (only for the rows shown)."""
    with database.read() as session:
        query = (
            select(Customer.id, Customer.rut, Customer.name, Customer.segment,
                   User.username, Group.name)
            .outerjoin(User, User.id == Customer.collector_id)
            .outerjoin(Group, Group.id == Customer.group_id)
        )  # fmt: skip
        if search.strip():
            query = query.where(customer_matches(search.strip()))
        rows = session.execute(query.order_by(Customer.name, Customer.id).limit(limit)).all()
        ids = [row[0] for row in rows]
        totals = {
            customer_id: (int(count), int(balance or 0))
            for customer_id, count, balance in session.execute(
                select(Document.customer_id, func.count(), func.sum(Document.balance))
                .where(Document.customer_id.in_(ids), Document.is_open)
                .group_by(Document.customer_id)
            )
        } if ids else {}  # fmt: skip
    result = []
    for customer_id, customer_rut, name, segment, username, group_name in rows:
        count, balance = totals.get(customer_id, (0, 0))
        owner_kind = "user" if username else "group" if group_name else None
        owner = username or group_name
        row = (rut.format_rut(customer_rut), name, segment, owner, owner_kind, count, balance)
        result.append(AssignableCustomer(*row))
    return result


def assign(
    database: Database,
    to: str,
    *,
    ruts: Sequence[str] = (),
    segment: str | None = None,
    min_balance: int | None = None,
    acting: str | None = None,
    dry_run: bool = False,
) -> AssignSummary:
    """Assign the customers with these RUTs, or those matching the filters (segment,
    open balance of at least ``min_balance``), to the user or group ``to``."""
    if not ruts and segment is None and min_balance is None:
        raise InvalidValue("assign.nothing_chosen")
    # A dry run reads only, in a read session (which refuses any write).
    with database.read() if dry_run else database.write() as session:
        actor = audit.require_admin(session, acting, "assignment", to, "assign")
        user = session.scalar(select(User).where(User.username == to, User.active))
        group = session.scalar(select(Group).where(Group.name == to))
        if user is not None and group is not None:
            raise InvalidValue("assign.ambiguous", name=to)
        if user is None and group is None:
            raise NotFound("assign.unknown_target", name=to)
        collector_id = user.id if user is not None else None
        group_id = group.id if group is not None else None
        summary = AssignSummary(to, "user" if user is not None else "group", dry_run=dry_run)
        customers = _chosen(session, ruts, segment, min_balance)
        now = utcnow()
        for customer in customers:
            summary.customers += 1
            summary.ruts.append(rut.format_rut(customer.rut))
            moved = session.scalar(
                select(func.count()).where(Document.customer_id == customer.id, Document.is_open)
            )
            summary.invoices += int(moved or 0)
            if dry_run:
                continue
            before = {"collector_id": customer.collector_id, "group_id": customer.group_id}
            session.execute(
                update(Assignment)
                .where(Assignment.customer_id == customer.id, Assignment.valid_to.is_(None))
                .values(valid_to=now)
            )
            session.add(
                Assignment(
                    customer_id=customer.id,
                    collector_id=collector_id,
                    group_id=group_id,
                    valid_from=now,
                    assigned_by_id=actor.user_id,
                )
            )
            customer.collector_id, customer.group_id = collector_id, group_id
            session.execute(
                update(Document)
                .where(Document.customer_id == customer.id, Document.kind == "receivable")
                .values(collector_id=collector_id, group_id=group_id, covered_for_id=None)
            )
            audit.record(
                session, actor, "customer", customer.id, "assign", before=before,
                after={"collector_id": collector_id, "group_id": group_id, "to": to},
            )  # fmt: skip
    return summary


def _chosen(
    session: Session, ruts: Sequence[str], segment: str | None, min_balance: int | None
) -> list[Customer]:
    if ruts:
        found = []
        for value in ruts:
            normalized = rut.normalize(value)
            customer = session.scalar(select(Customer).where(Customer.rut == normalized))
            if customer is None:
                raise NotFound("error.not_found", entity="cliente", key=rut.format_rut(normalized))
            found.append(customer)
        return found
    query = select(Customer)
    if segment is not None:
        query = query.where(Customer.segment == segment)
    if min_balance is not None:
        open_balance = (
            select(func.coalesce(func.sum(Document.balance), 0))
            .where(Document.customer_id == Customer.id, Document.is_open)
            .scalar_subquery()
        )
        query = query.where(open_balance >= min_balance)
    return list(session.scalars(query.order_by(Customer.name)))
