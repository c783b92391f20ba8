"""Payments: recorded, split over invoices, confirmed or rejected when the customer
only says it paid, and reversed (audited) — never deleted.

A payment's ``amount`` can exceed what is applied to invoices: the rest is a credit of
the customer (shown on the detail screen), never lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from totalfact_tui.db.models import Document, Payment, PaymentAllocation
from totalfact_tui.db.session import Database, reading
from totalfact_tui.db.types import utcnow
from totalfact_tui.domain.agenda_rules import AgendaReason
from totalfact_tui.domain.collection import Owed, PaymentMethod, PaymentStatus, split_oldest_first
from totalfact_tui.domain.errors import InvalidValue, NotFound, TotalfactError
from totalfact_tui.domain.journey import OPEN_STATES, Event, State
from totalfact_tui.services import audit, ledger
from totalfact_tui.services.access import check_customer
from totalfact_tui.services.audit import Actor
from totalfact_tui.services.worklist import acting_person, invoices_for_work

#: Invoices a payment can be applied to: open ones, and commercially rejected ones
#: (a customer may still pay an invoice it rejected).
PAYABLE_STATES = OPEN_STATES | {State.RECHAZADA}
#: Days until someone checks the bank for a payment the customer says it made.
CONFIRM_AFTER_DAYS = 1


@dataclass(frozen=True)
class PaymentForm:
    document_ids: tuple[int, ...]
    amount: int
    paid_on: date
    method: str = PaymentMethod.TRANSFER.value
    reference: str | None = None
    #: Amount per invoice; None splits the amount oldest first.
    allocations: Mapping[int, int] | None = None
    #: The customer says it paid: recorded to confirm, the balance does not move yet.
    to_confirm: bool = False
    versions: Mapping[int, int] = field(default_factory=dict)
    comment: str | None = None


@dataclass(frozen=True)
class RecordedPayment:
    payment_id: int
    status: str
    allocations: dict[int, int]
    credit: int  # the part of the amount not applied to any invoice


@dataclass(frozen=True)
class PaymentView:
    id: int
    customer_id: int
    paid_on: date
    amount: int
    method: str
    reference: str | None
    status: str
    allocations: dict[int, int]
    folios: dict[int, int]


def _validate(form: PaymentForm, today: date) -> None:
    if form.amount <= 0:
        raise InvalidValue("payment.amount", value=form.amount)
    if form.paid_on > today:
        raise InvalidValue("payment.future_date", value=form.paid_on.isoformat())
    if form.method not in {m.value for m in PaymentMethod}:
        raise InvalidValue("error.invalid_value", field="method", value=form.method)


def _allocate(form: PaymentForm, documents: list[Document]) -> dict[int, int]:
    if form.allocations is None:
        return split_oldest_first(
            form.amount, [Owed(d.id, d.due_date, d.balance) for d in documents]
        )
    by_id = {d.id: d for d in documents}
    allocation = {doc: amount for doc, amount in form.allocations.items() if amount}
    for document_id, amount in allocation.items():
        document = by_id.get(document_id)
        if document is None:
            raise InvalidValue("payment.allocation_unknown", value=document_id)
        if amount < 0 or amount > document.balance:
            raise InvalidValue(
                "payment.allocation_too_big", folio=document.folio, balance=document.balance
            )
    if sum(allocation.values()) > form.amount:
        raise InvalidValue("payment.allocations_exceed", value=form.amount)
    return allocation


def apply_in_session(
    session: Session,
    actor: Actor,
    documents: list[Document],
    customer_id: int,
    form: PaymentForm,
    today: date,
    lead_days: int,
    import_hash: str | None = None,
) -> RecordedPayment:
    """Record the payment and move balances, states and agenda columns."""
    allocation = _allocate(form, documents)
    status = PaymentStatus.TO_CONFIRM if form.to_confirm else PaymentStatus.CONFIRMED
    payment = Payment(
        customer_id=customer_id,
        paid_on=form.paid_on,
        amount=form.amount,
        method=form.method,
        reference=(form.reference or "").strip() or None,
        status=status.value,
        created_by_id=actor.user_id,
        import_hash=import_hash,
        comment=(form.comment or "").strip() or None,
    )
    session.add(payment)
    session.flush()
    session.add_all(
        PaymentAllocation(
            payment_id=payment.id,
            document_id=document_id,
            amount=amount,
            paid_on=payment.paid_on,
            confirmed=status is PaymentStatus.CONFIRMED,
        )
        for document_id, amount in allocation.items()
    )
    session.flush()
    for document in documents:
        if document.id not in allocation:
            continue
        if form.to_confirm:
            ledger.try_transition(session, document, Event.PAYMENT_CLAIMED, today, actor.user_id)
            document.next_action_date = today + timedelta(days=CONFIRM_AFTER_DAYS)
            document.agenda_reason = AgendaReason.PAYMENT_TO_CONFIRM.value
            ledger.refresh_agenda(document, lead_days)
        else:
            ledger.recompute(session, document.id, today, lead_days)
    credit = form.amount - sum(allocation.values())
    audit.record(
        session,
        actor,
        "payment",
        payment.id,
        "create",
        after={
            "amount": form.amount,
            "status": status.value,
            "method": form.method,
            "allocations": {str(k): v for k, v in allocation.items()},
            "credit": credit,
        },
    )
    return RecordedPayment(payment.id, status.value, allocation, credit)


def record_payment(
    database: Database, username: str | None, form: PaymentForm, today: date, lead_days: int = 3
) -> RecordedPayment:
    _validate(form, today)
    with database.write() as session:
        actor = acting_person(session, username)
        documents, customer_id = invoices_for_work(
            session, actor, "payment", form.document_ids, form.versions, allowed=PAYABLE_STATES
        )
        return apply_in_session(session, actor, documents, customer_id, form, today, lead_days)


def pay_in_full(
    database: Database,
    username: str | None,
    document_ids: tuple[int, ...],
    paid_on: date,
    today: date,
    method: str = PaymentMethod.TRANSFER.value,
    reference: str | None = None,
    lead_days: int = 3,
) -> list[RecordedPayment]:
    """Mark invoices paid in full, one payment per customer, all in one transaction."""
    with database.write() as session:
        actor = acting_person(session, username)
        by_customer: dict[int, list[int]] = {}
        for document_id, customer_id in session.execute(
            select(Document.id, Document.customer_id).where(Document.id.in_(document_ids))
        ):
            by_customer.setdefault(customer_id or 0, []).append(document_id)
        if len(document_ids) != sum(len(ids) for ids in by_customer.values()):
            raise NotFound("error.not_found", entity="documento", key=str(document_ids))
        recorded = []
        for ids in by_customer.values():
            documents, customer_id = invoices_for_work(
                session, actor, "payment", ids, allowed=PAYABLE_STATES
            )
            form = PaymentForm(
                tuple(ids),
                sum(d.balance for d in documents),
                paid_on,
                method,
                reference,
            )
            _validate(form, today)
            recorded.append(
                apply_in_session(session, actor, documents, customer_id, form, today, lead_days)
            )
        return recorded


#: The audit verb of each change of a payment's status.
_VERBS = {
    PaymentStatus.CONFIRMED: "confirm",
    PaymentStatus.REJECTED: "reject",
    PaymentStatus.REVERSED: "reverse",
}


def _move(
    session: Session,
    actor: Actor,
    payment_id: int,
    source: PaymentStatus,
    target: PaymentStatus,
    comment: str | None = None,
) -> Payment:
    """Change a payment's status (only from ``source``), say who and when, audit it."""
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise NotFound("error.not_found", entity="pago", key=str(payment_id))
    if payment.status != source.value:
        raise TotalfactError("payment.wrong_status", id=payment_id, status=payment.status)
    check_customer(session, actor, payment.customer_id, _VERBS[target])
    payment.status = target.value
    # The allocations repeat whether their payment counts as collected (reports).
    session.execute(
        update(PaymentAllocation)
        .where(PaymentAllocation.payment_id == payment.id)
        .values(confirmed=target is PaymentStatus.CONFIRMED)
    )
    if target is PaymentStatus.REVERSED:
        payment.reversed_at = utcnow()
        payment.reversed_by_id = actor.user_id
    else:
        payment.settled_at = utcnow()
        payment.settled_by_id = actor.user_id
    if comment:
        payment.comment = comment.strip()
    session.flush()
    after: dict[str, object] = {"status": target.value}
    if target is not PaymentStatus.CONFIRMED:
        after["comment"] = comment
    audit.record(
        session, actor, "payment", payment.id, _VERBS[target],
        before={"status": source.value}, after=after,
    )  # fmt: skip
    return payment


def _allocated_documents(session: Session, payment_id: int) -> list[Document]:
    return list(
        session.scalars(
            select(Document)
            .join(PaymentAllocation, PaymentAllocation.document_id == Document.id)
            .where(PaymentAllocation.payment_id == payment_id)
            .order_by(Document.id)
        )
    )


def _claims_left(session: Session, document_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(PaymentAllocation)
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(
                PaymentAllocation.document_id == document_id,
                Payment.status == PaymentStatus.TO_CONFIRM.value,
            )
        )
        or 0
    )


def confirm_payment(
    database: Database, username: str | None, payment_id: int, today: date, lead_days: int = 3
) -> None:
    """The money is there: the balance moves; an invoice still owing is collected on."""
    with database.write() as session:
        actor = acting_person(session, username)
        _move(session, actor, payment_id, PaymentStatus.TO_CONFIRM, PaymentStatus.CONFIRMED)
        for document in _allocated_documents(session, payment_id):
            ledger.recompute(session, document.id, today, lead_days)
            if document.state == State.PAGO_POR_CONFIRMAR and not _claims_left(
                session, document.id
            ):
                ledger.try_transition(
                    session, document, Event.PARTIAL_PAYMENT, today, actor.user_id
                )
                document.next_action_date = today
                document.agenda_reason = AgendaReason.CALLBACK.value
                ledger.refresh_agenda(document, lead_days)


def reject_payment(
    database: Database,
    username: str | None,
    payment_id: int,
    today: date,
    comment: str | None = None,
    lead_days: int = 3,
) -> None:
    """The money was not found: the invoices go back to collection today."""
    with database.write() as session:
        actor = acting_person(session, username)
        _move(session, actor, payment_id, PaymentStatus.TO_CONFIRM, PaymentStatus.REJECTED, comment)
        for document in _allocated_documents(session, payment_id):
            if document.state == State.PAGO_POR_CONFIRMAR and not _claims_left(
                session, document.id
            ):
                ledger.try_transition(
                    session, document, Event.PAYMENT_CLAIM_REJECTED, today, actor.user_id
                )
                ledger.recompute(session, document.id, today, lead_days)
                document.next_action_date = today
                document.agenda_reason = AgendaReason.PAYMENT_REJECTED.value
                ledger.refresh_agenda(document, lead_days)


def reverse_payment(
    database: Database,
    username: str | None,
    payment_id: int,
    today: date,
    comment: str | None = None,
    lead_days: int = 3,
) -> None:
    """Undo a confirmed payment (a bounced cheque, a mistake): kept, marked reversed;
    its invoices owe again and are back on today's agenda."""
    with database.write() as session:
        actor = acting_person(session, username)
        _move(session, actor, payment_id, PaymentStatus.CONFIRMED, PaymentStatus.REVERSED, comment)
        for document in _allocated_documents(session, payment_id):
            if document.state == State.PAGADA:
                ledger.try_transition(
                    session, document, Event.PAYMENT_REVERSED, today, actor.user_id
                )
            ledger.recompute(session, document.id, today, lead_days)
            if document.is_open:
                document.next_action_date = today
                document.agenda_reason = AgendaReason.PAYMENT_REVERSED.value


def customer_credit(session: Session, customer_id: int) -> int:
    """Confirmed money of the customer not applied to any invoice (over-payments)."""
    confirmed = (Payment.customer_id == customer_id) & (
        Payment.status == PaymentStatus.CONFIRMED.value
    )
    received = select(func.coalesce(func.sum(Payment.amount), 0)).where(confirmed).scalar_subquery()
    applied = (
        select(func.coalesce(func.sum(PaymentAllocation.amount), 0))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(confirmed)
        .scalar_subquery()
    )
    received_total, applied_total = session.execute(select(received, applied)).one()
    return int(received_total or 0) - int(applied_total or 0)


def list_payments(
    database: Database | Session,
    *,
    customer_id: int | None = None,
    document_ids: list[int] | None = None,
    status: str | None = None,
    limit: int = 500,
) -> list[PaymentView]:
    with reading(database) as session:
        query = select(Payment).order_by(Payment.paid_on.desc(), Payment.id.desc())
        if customer_id is not None:
            query = query.where(Payment.customer_id == customer_id)
        if status is not None:
            query = query.where(Payment.status == status)
        if document_ids is not None:
            query = query.where(
                Payment.id.in_(
                    select(PaymentAllocation.payment_id).where(
                        PaymentAllocation.document_id.in_(document_ids)
                    )
                )
            )
        payments = list(session.scalars(query.limit(limit)))
        parts: dict[int, dict[int, int]] = {}
        folios: dict[int, dict[int, int]] = {}
        for payment_id, document_id, amount, folio in session.execute(
            select(
                PaymentAllocation.payment_id,
                PaymentAllocation.document_id,
                PaymentAllocation.amount,
                Document.folio,
            )
            .join(Document, Document.id == PaymentAllocation.document_id)
            .where(PaymentAllocation.payment_id.in_([p.id for p in payments]))
        ):
            parts.setdefault(payment_id, {})[document_id] = amount
            folios.setdefault(payment_id, {})[document_id] = folio
        return [
            PaymentView(
                p.id,
                p.customer_id,
                p.paid_on,
                p.amount,
                p.method,
                p.reference,
                p.status,
                parts.get(p.id, {}),
                folios.get(p.id, {}),
            )
            for p in payments
        ]
