"""Everything the invoice detail screen shows, read in one go."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from totalfact_tui.db.models import (
    Action,
    ActionDocument,
    Area,
    Contact,
    Customer,
    Dispute,
    Document,
    DocumentEvent,
    Hold,
    Note,
    OutboxMessage,
    Payment,
    PaymentAllocation,
    Promise,
    PromiseDocument,
    ReasonCode,
    ResultCode,
    Task,
    User,
)
from totalfact_tui.db.queries.agenda import agenda_rows
from totalfact_tui.db.session import Database
from totalfact_tui.domain.agenda import AgendaRow
from totalfact_tui.domain.errors import NotFound
from totalfact_tui.services.call_scripts import Script, script_for
from totalfact_tui.services.contacts import ContactView, list_contacts
from totalfact_tui.services.holds import HoldView, list_holds
from totalfact_tui.services.payments import PaymentView, customer_credit, list_payments
from totalfact_tui.services.tasks import TaskView, list_tasks

HISTORY_LIMIT = 50
#: The newest confirmed payments offered for a reversal.
REVERSIBLE_PAYMENTS = 20


@dataclass(frozen=True)
class CustomerHeader:
    id: int
    name: str
    rut: str
    segment: str | None
    collector: str | None
    open_balance: int
    overdue_balance: int
    average_days_late: int | None
    promises_kept: int
    promises_broken: int


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    kind: str  # action | promise | payment | note | task | event
    folio: int | None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InvoiceView:
    customer: CustomerHeader
    invoice: AgendaRow
    others: list[AgendaRow]
    contacts: list[ContactView]
    history: list[HistoryItem]
    #: Money of the customer not applied to any invoice (over-payments).
    credit: int = 0
    holds: list[HoldView] = field(default_factory=list)
    tasks: list[TaskView] = field(default_factory=list)
    #: Payments the customer says it made, waiting for someone to confirm them.
    to_confirm: list[PaymentView] = field(default_factory=list)
    #: Confirmed payments (newest first), the ones a reversal can pick from.
    confirmed: list[PaymentView] = field(default_factory=list)
    #: The call script of the customer's segment.
    script: str | None = None
    #: The customer's other open invoices not read yet (see load_invoice_view's
    #: ``others_limit``), oldest due first: read them with load_more_rows.
    more_ids: tuple[int, ...] = ()


def _as_datetime(day: date) -> datetime:
    from datetime import UTC

    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def load_invoice_view(
    database: Database,
    document_id: int,
    day: date,
    user_id: int | None,
    lang: str = "es",
    *,
    others_limit: int | None = None,
) -> InvoiceView:
    """Everything the detail screen shows of an invoice, in one transaction. With
    ``others_limit``, only that many of the customer's other open invoices are read
    (the oldest due); the rest are left in ``more_ids``. The balances count them all."""
    with database.read() as session:
        # (Each statement is a round trip: on PostgreSQL, fewer statements was most of
        # what could be saved of this read.)
        customer = session.execute(
            select(
                Customer.id,
                Customer.name,
                Customer.rut,
                Customer.segment,
                User.name.label("collector"),
            )
            .select_from(Document)
            .join(Customer, Customer.id == Document.customer_id)
            .outerjoin(User, User.id == Customer.collector_id)
            .where(Document.id == document_id)
        ).one_or_none()
        if customer is None:
            raise NotFound("error.not_found", entity="documento", key=str(document_id))
        customer_id = customer.id
        open_ids, open_balance, overdue_balance = [], 0, 0
        for open_id, balance, due_date in session.execute(
            select(Document.id, Document.balance, Document.due_date)
            .where(Document.customer_id == customer_id, Document.is_open)
            .order_by(Document.due_date, Document.id)
        ):
            open_ids.append(open_id)
            open_balance += balance
            if due_date is not None and due_date < day:
                overdue_balance += balance
        # Each allocation repeats its payment's date and whether it is confirmed: the
        # payments themselves need not be visited.
        late_sum, late_weight = session.execute(
            select(
                func.sum(
                    PaymentAllocation.amount
                    * (
                        func.julianday(PaymentAllocation.paid_on)
                        - func.julianday(Document.due_date)
                    )
                    if database.dialect == "sqlite"
                    else PaymentAllocation.amount * (PaymentAllocation.paid_on - Document.due_date)
                ),
                func.sum(PaymentAllocation.amount),
            )
            .join(Document, Document.id == PaymentAllocation.document_id)
            .where(Document.customer_id == customer_id, PaymentAllocation.confirmed)
        ).one()
        kept = dict(
            session.execute(
                select(Promise.status, func.count())
                .where(Promise.customer_id == customer_id)
                .group_by(Promise.status)
            ).all()
        )
        header = CustomerHeader(
            id=customer_id,
            name=customer.name,
            rut=customer.rut,
            segment=customer.segment,
            collector=customer.collector,
            open_balance=open_balance,
            overdue_balance=overdue_balance,
            average_days_late=round(float(late_sum) / float(late_weight)) if late_weight else None,
            promises_kept=kept.get("cumplida", 0),
            promises_broken=kept.get("incumplida", 0) + kept.get("parcial", 0),
        )
        other_ids = [i for i in open_ids if i != document_id]
        more_ids: list[int] = []
        if others_limit is not None:
            other_ids, more_ids = other_ids[:others_limit], other_ids[others_limit:]
        rows = agenda_rows(session, [document_id, *other_ids], day, user_id)
        history = _history(session, customer_id, lang)
        return InvoiceView(
            header,
            rows[0],
            rows[1:],
            list_contacts(session, customer_id),
            history,
            credit=customer_credit(session, customer_id),
            holds=list_holds(session, day, customer_id=customer_id),
            tasks=list_tasks(session, day, customer_id=customer_id),
            to_confirm=list_payments(
                session, customer_id=customer_id, status="to_confirm", limit=50
            ),
            confirmed=list_payments(
                session, customer_id=customer_id, status="confirmed", limit=REVERSIBLE_PAYMENTS
            ),
            script=_script_text(script_for(session, customer.segment)),
            more_ids=tuple(more_ids),
        )


def load_more_rows(
    database: Database, document_ids: Iterable[int], day: date, user_id: int | None
) -> list[AgendaRow]:
    """The agenda rows of ``document_ids`` (a view's ``more_ids``), in that order."""
    with database.read() as session:
        return agenda_rows(session, list(document_ids), day, user_id)


def _script_text(script: Script | None) -> str | None:
    return script.body if script else None


def _history(session: Any, customer_id: int, lang: str) -> list[HistoryItem]:
    label_result = ResultCode.label_en if lang == "en" else ResultCode.label_es
    label_reason = ReasonCode.label_en if lang == "en" else ReasonCode.label_es
    items: list[HistoryItem] = []
    folios = dict(
        session.execute(
            select(Document.id, Document.folio).where(Document.customer_id == customer_id)
        ).all()
    )
    # The customer's documents as a subquery, not as a list of their ids: a customer
    # with a thousand documents made three statements of a thousand parameters each,
    # and preparing those cost the PostgreSQL driver more than running them.
    ids = select(Document.id).where(Document.customer_id == customer_id).scalar_subquery()
    for action, result, reason, user, contact, document_id in session.execute(
        select(
            Action, label_result, label_reason, User.name, Contact.name, ActionDocument.document_id
        )
        .join(ActionDocument, ActionDocument.action_id == Action.id)
        .join(ResultCode, ResultCode.code == Action.result_code)
        .outerjoin(ReasonCode, ReasonCode.code == Action.reason_code)
        .join(User, User.id == Action.user_id)
        .outerjoin(Contact, Contact.id == Action.contact_id)
        .where(Action.customer_id == customer_id)
        .order_by(Action.occurred_at.desc())
        .limit(HISTORY_LIMIT)
    ):
        items.append(
            HistoryItem(
                action.occurred_at,
                "action",
                folios.get(document_id),
                {
                    "result": result,
                    "reason": reason,
                    "user": user,
                    "contact": contact,
                    "comment": action.comment,
                    "next": action.next_action_date,
                    "channel": action.channel,
                },
            )
        )
    for promise, document_id in session.execute(
        select(Promise, PromiseDocument.document_id)
        .join(PromiseDocument, PromiseDocument.promise_id == Promise.id)
        .where(Promise.customer_id == customer_id)
        .order_by(Promise.created_at.desc())
        .limit(HISTORY_LIMIT)
    ):
        items.append(
            HistoryItem(
                promise.created_at,
                "promise",
                folios.get(document_id),
                {
                    "status": promise.status,
                    "date": promise.promised_date,
                    "amount": promise.amount,
                },
            )
        )
    for payment, amount, document_id in session.execute(
        select(Payment, PaymentAllocation.amount, PaymentAllocation.document_id)
        .join(PaymentAllocation, PaymentAllocation.payment_id == Payment.id)
        .where(PaymentAllocation.document_id.in_(ids))
        .order_by(Payment.paid_on.desc())
        .limit(HISTORY_LIMIT)
    ):
        items.append(
            HistoryItem(
                _as_datetime(payment.paid_on),
                "payment",
                folios.get(document_id),
                {
                    "amount": amount,
                    "method": payment.method,
                    "status": payment.status,
                    "reference": payment.reference,
                },
            )
        )
    area_label = Area.label_en if lang == "en" else Area.label_es
    for note, user, area in session.execute(
        select(Note, User.name, area_label)
        .join(User, User.id == Note.user_id)
        .outerjoin(Area, Area.code == Note.area_code)
        .where(Note.document_id.in_(ids))
        .order_by(Note.created_at.desc())
        .limit(HISTORY_LIMIT)
    ):
        items.append(
            HistoryItem(
                note.created_at,
                "note",
                folios.get(note.document_id),
                {
                    "user": user,
                    "area": area,
                    "body": note.body,
                },
            )
        )
    for task in session.scalars(
        select(Task)
        .where(Task.customer_id == customer_id)
        .order_by(Task.created_at.desc())
        .limit(HISTORY_LIMIT)
    ):
        items.append(
            HistoryItem(
                task.created_at,
                "task",
                folios.get(task.document_id or 0),
                {
                    "description": task.description,
                    "due": task.due_date,
                    "status": task.status,
                    "area": task.area_code,
                },
            )
        )
    for event in session.scalars(
        select(DocumentEvent)
        .where(DocumentEvent.document_id.in_(ids))
        .order_by(DocumentEvent.created_at.desc())
        .limit(HISTORY_LIMIT)
    ):
        items.append(
            HistoryItem(
                event.created_at,
                "event",
                folios.get(event.document_id),
                {
                    "event": event.kind,
                    **(event.details or {}),
                },
            )
        )
    for message in session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.customer_id == customer_id)
        .order_by(OutboxMessage.created_at.desc())
        .limit(HISTORY_LIMIT)
    ):
        items.append(
            HistoryItem(
                message.created_at,
                "email",
                None,
                {"subject": message.subject, "to": message.to_addrs, "status": message.status},
            )
        )
    for dispute in session.scalars(
        select(Dispute)
        .where(Dispute.customer_id == customer_id)
        .order_by(Dispute.created_at.desc())
        .limit(HISTORY_LIMIT)
    ):
        items.append(
            HistoryItem(
                dispute.resolved_at or dispute.created_at,
                "dispute",
                None,
                {
                    "reason": dispute.reason_code,
                    "comment": dispute.comment,
                    "status": dispute.status,
                    "outcome": dispute.outcome,
                    "follow_up": dispute.follow_up_date,
                },
            )
        )
    for hold in session.scalars(
        select(Hold)
        .where(Hold.customer_id == customer_id)
        .order_by(Hold.created_at.desc())
        .limit(HISTORY_LIMIT)
    ):
        items.append(
            HistoryItem(
                hold.created_at,
                "hold",
                folios.get(hold.document_id or 0),
                {
                    "reason": hold.reason,
                    "until": hold.end_date,
                    "lifted": hold.lifted_at is not None,
                },
            )
        )
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:HISTORY_LIMIT]
