"""Holds (suspensiones de cobranza): a customer or one invoice is left alone until an
end date, and comes back to the agenda by itself on that day.

A hold moves the next-action date of the open invoices it covers to its end date
(keeping a later one), so the agenda query needs no extra condition; invoices that
arrive for a held customer are given the same date at ingest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import Customer, Document, Hold
from totalfact_tui.db.session import Database, reading
from totalfact_tui.db.types import utcnow
from totalfact_tui.domain.agenda_rules import AgendaReason
from totalfact_tui.domain.errors import InvalidValue, NotFound, TotalfactError
from totalfact_tui.services import audit
from totalfact_tui.services.worklist import acting_person, invoices_for_work


@dataclass(frozen=True)
class HoldView:
    id: int
    customer_id: int | None
    customer_name: str
    document_id: int | None
    folio: int | None
    reason: str
    start_date: date
    end_date: date
    lifted: bool


def _covered(session: Session, hold: Hold) -> list[Document]:
    target = (
        Document.id == hold.document_id
        if hold.document_id is not None
        else Document.customer_id == hold.customer_id
    )
    return list(session.scalars(select(Document).where(target, Document.is_open)))


def _by_customer(session: Session, document_ids: tuple[int, ...]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for document_id, customer_id in session.execute(
        select(Document.id, Document.customer_id).where(Document.id.in_(document_ids))
    ):
        groups.setdefault(customer_id or 0, []).append(document_id)
    if sum(len(ids) for ids in groups.values()) != len(set(document_ids)):
        raise NotFound("error.not_found", entity="documento", key=str(document_ids))
    return groups


def held_until(session: Session, document: Document, today: date) -> date | None:
    """The end of the latest active hold over this invoice or its customer."""
    ends = session.scalars(
        select(Hold.end_date).where(
            Hold.lifted_at.is_(None),
            Hold.end_date > today,
            or_(
                Hold.document_id == document.id,
                and_(Hold.document_id.is_(None), Hold.customer_id == document.customer_id),
            ),
        )
    ).all()
    return max(ends, default=None)


def postpone(document: Document, until: date, today: date) -> None:
    """Keep a held invoice off the agenda until ``until`` (a later date stays)."""
    if (document.next_action_date or today) < until:
        document.next_action_date = until
        document.agenda_reason = AgendaReason.HOLD_ENDED.value


def add_hold(
    database: Database,
    username: str | None,
    *,
    until: date,
    reason: str,
    today: date,
    customer_id: int | None = None,
    document_ids: tuple[int, ...] = (),
) -> list[int]:
    """Hold a customer, or each of the given invoices, until ``until``."""
    text = reason.strip()
    if not text:
        raise InvalidValue("hold.no_reason")
    if until <= today:
        raise InvalidValue("hold.end_in_past", value=until.isoformat())
    if (customer_id is None) == (not document_ids):
        raise InvalidValue("hold.one_target")
    with database.write() as session:
        actor = acting_person(session, username)
        holds: list[Hold] = []
        if customer_id is not None:
            if session.get(Customer, customer_id) is None:
                raise NotFound("error.not_found", entity="cliente", key=str(customer_id))
            holds.append(Hold(customer_id=customer_id, document_id=None))
        else:
            # A selection may span customers: each customer's invoices are checked alike.
            for ids in _by_customer(session, document_ids).values():
                documents, owner = invoices_for_work(session, actor, "hold", ids)
                holds.extend(Hold(customer_id=owner, document_id=d.id) for d in documents)
        for hold in holds:
            hold.reason = text
            hold.start_date = today
            hold.end_date = until
            hold.created_by_id = actor.user_id
        session.add_all(holds)
        session.flush()
        for hold in holds:
            # A document hold keeps customer_id for listing; the target is the document.
            for document in _covered(session, hold):
                postpone(document, until, today)
            audit.record(
                session,
                actor,
                "hold",
                hold.id,
                "create",
                after={
                    "customer": hold.customer_id if hold.document_id is None else None,
                    "document": hold.document_id,
                    "until": until.isoformat(),
                    "reason": text,
                },
            )
        return [hold.id for hold in holds]


def lift_hold(database: Database, username: str | None, hold_id: int, today: date) -> None:
    """End a hold early: its invoices are back on today's agenda (unless another hold
    still covers them)."""
    with database.write() as session:
        actor = acting_person(session, username)
        hold = session.get(Hold, hold_id)
        if hold is None:
            raise NotFound("error.not_found", entity="suspensión", key=str(hold_id))
        if hold.lifted_at is not None or hold.end_date <= today:
            raise TotalfactError("hold.not_active", id=hold_id)
        hold.lifted_at = utcnow()
        hold.lifted_by_id = actor.user_id
        session.flush()
        for document in _covered(session, hold):
            if (
                document.agenda_reason == AgendaReason.HOLD_ENDED.value
                and document.next_action_date == hold.end_date
            ):
                other = held_until(session, document, today)
                document.next_action_date = other or today
        audit.record(
            session, actor, "hold", hold.id, "lift", before={"until": hold.end_date.isoformat()}
        )


def list_holds(
    database: Database | Session,
    today: date,
    *,
    active_only: bool = True,
    customer_id: int | None = None,
) -> list[HoldView]:
    with reading(database) as session:
        query = (
            select(Hold, Customer.name, Document.folio)
            .join(Customer, Customer.id == Hold.customer_id)
            .outerjoin(Document, Document.id == Hold.document_id)
            .order_by(Hold.end_date, Hold.id)
        )
        if active_only:
            query = query.where(Hold.lifted_at.is_(None), Hold.end_date > today)
        if customer_id is not None:
            query = query.where(Hold.customer_id == customer_id)
        return [
            HoldView(
                hold.id,
                hold.customer_id if hold.document_id is None else None,
                name,
                hold.document_id,
                folio,
                hold.reason,
                hold.start_date,
                hold.end_date,
                hold.lifted_at is not None or hold.end_date <= today,
            )
            for hold, name, folio in session.execute(query)
        ]
