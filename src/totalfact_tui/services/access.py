"""Who may act on what (issue: team work). Collectors act on the customers they may
see: those assigned to them, those with an invoice assigned to them, and those in the
pool of one of their groups. Managers and admins act on every customer. A refusal is a
clear error whose audit entry the database keeps (``Forbidden.record``)."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import Customer, Document, GroupMember
from totalfact_tui.services import audit
from totalfact_tui.services.audit import Actor

SUPERVISORS = ("manager", "admin")


def may_act_on_customer(session: Session, actor: Actor, customer_id: int) -> bool:
    if actor.user_id is None or actor.role in SUPERVISORS:
        return True
    groups = select(GroupMember.group_id).where(GroupMember.user_id == actor.user_id)
    own_customer = session.scalar(
        select(Customer.id).where(
            Customer.id == customer_id,
            or_(Customer.collector_id == actor.user_id, Customer.group_id.in_(groups)),
        )
    )
    if own_customer is not None:
        return True
    own_invoice = session.scalar(
        select(Document.id)
        .where(
            Document.customer_id == customer_id,
            or_(
                Document.collector_id == actor.user_id,
                and_(Document.collector_id.is_(None), Document.group_id.in_(groups)),
            ),
        )
        .limit(1)
    )
    return own_invoice is not None


def check_customer(session: Session, actor: Actor, customer_id: int, action: str) -> None:
    """Raise :class:`Forbidden` (with its audit record) unless ``actor`` may act on the
    customer."""
    if may_act_on_customer(session, actor, customer_id):
        return
    name = session.scalar(select(Customer.name).where(Customer.id == customer_id)) or ""
    raise audit.refusal(
        actor, "customer", customer_id, action, "error.forbidden_customer", customer=name
    )
