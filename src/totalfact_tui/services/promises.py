"""Promises to pay, evaluated against payments every time an agenda is built."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from totalfact_tui.db.models import Document, Payment, PaymentAllocation, Promise, PromiseDocument
from totalfact_tui.db.types import utcnow
from totalfact_tui.domain.agenda_rules import (
    AgendaReason,
    PromiseStatus,
    promise_broken_on,
    promise_status,
)
from totalfact_tui.domain.journey import Event
from totalfact_tui.services import ledger
from totalfact_tui.services.holds import held_until


def evaluate_promises(session: Session, today: date, lead_days: int) -> int:
    """Settle every open promise whose deadline (date + grace) has passed: kept when its
    invoices were paid in full by then, else partly kept or broken. A broken promise
    puts its open invoices back on the agenda, flagged, and counts against them.
    Returns how many promises were found broken or partly kept."""
    due = session.scalars(
        select(Promise)
        .where(Promise.status == PromiseStatus.OPEN.value, Promise.promised_date < today)
        # In the index's order: ordered by id alone, SQLite (which knows most promises
        # are not open) read the whole table in id order on every agenda load.
        .order_by(Promise.promised_date, Promise.id)
    ).all()
    broken = 0
    for promise in due:
        deadline = promise_broken_on(promise.promised_date, promise.grace_days) - timedelta(days=1)
        if today <= deadline:
            continue
        document_ids = list(
            session.scalars(
                select(PromiseDocument.document_id).where(PromiseDocument.promise_id == promise.id)
            )
        )
        paid = (
            session.scalar(
                select(func.coalesce(func.sum(PaymentAllocation.amount), 0))
                .join(Payment, Payment.id == PaymentAllocation.payment_id)
                .where(
                    PaymentAllocation.document_id.in_(document_ids),
                    Payment.status == "confirmed",
                    Payment.paid_on >= promise.created_at.date(),
                    Payment.paid_on <= deadline,
                )
            )
            or 0
        )
        status = promise_status(
            promise.promised_date, promise.amount, paid, today, promise.grace_days
        )
        promise.status = status.value
        promise.amount_paid = paid
        promise.evaluated_at = utcnow()
        if status is not PromiseStatus.OPEN:
            session.execute(
                update(Document)
                .where(Document.id.in_(document_ids))
                .values(open_promise_date=None, open_promise_amount=None)
            )
        if status in (PromiseStatus.BROKEN, PromiseStatus.PARTLY_KEPT):
            broken += 1
            for document in session.scalars(
                select(Document).where(Document.id.in_(document_ids), Document.is_open)
            ):
                document.broken_promises += 1
                document.promise_broken = True
                document.next_action_date = min(
                    promise_broken_on(promise.promised_date, promise.grace_days), today
                )
                # A hold still wins: the broken promise waits for its end.
                held = held_until(session, document, today)
                if held is not None:
                    document.next_action_date = held
                document.agenda_reason = AgendaReason.PROMISE_BROKEN.value
                ledger.try_transition(session, document, Event.WAIT_ENDED, today)
                ledger.refresh_agenda(document, lead_days)
    return broken
