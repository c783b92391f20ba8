"""An invoice's balance and state, recomputed from the facts that move them.

Balance = total + debit notes - credit notes - confirmed payments. The payment states
follow from the same facts: paid in full, partly paid (from ``nueva``/``vencida``; a
promise, a dispute or a claimed payment keep their state), or back when the last
payment was reversed. A credit note with
CodRef 1 annuls its invoice unless a debit note with CodRef 1 cancels that note.
Recomputing from the facts (instead of adding and subtracting as documents arrive)
makes the result independent of the order in which files are read.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from totalfact_tui.db.models import (
    AuditEntry,
    Document,
    DocumentEvent,
    DocumentReference,
    Payment,
    PaymentAllocation,
    User,
)
from totalfact_tui.domain.agenda_rules import AgendaReason, first_action_date
from totalfact_tui.domain.dte_types import CREDIT_NOTE_TYPES, DEBIT_NOTE_TYPES
from totalfact_tui.domain.errors import IllegalTransition
from totalfact_tui.domain.journey import OPEN_STATES, Event, State, transition
from totalfact_tui.services import audit

ANNUL = 1
TEXT_ONLY = 2


def try_transition(
    session: Session, document: Document, event: Event, today: date, user_id: int | None = None
) -> bool:
    """Apply ``event`` when the journey allows it; record the change. False otherwise."""
    if document.state is None:
        return False
    overdue = document.due_date is not None and document.due_date < today
    try:
        new_state = transition(document.state, event, overdue=overdue)
    except IllegalTransition:
        return False
    if new_state != document.state:
        change = {"from": document.state, "to": new_state.value, "event": event.value}
        session.add(
            DocumentEvent(
                document_id=document.id, kind="state_changed", user_id=user_id, details=change
            )
        )
        # And in the audit trail, like every other write: who acts in this transaction.
        actor = audit.current_actor(session)
        user = session.get(User, user_id) if user_id is not None else None
        session.add(
            AuditEntry(
                user_id=user_id if user is not None else actor.user_id,
                username=user.username if user is not None else actor.username,
                entity="invoice",
                entity_id=str(document.id),
                action="state",
                before={"state": document.state},
                after={"state": new_state.value, "event": event.value},
            )
        )
        document.state = new_state.value
    return True


def refresh_agenda(document: Document, lead_days: int) -> None:
    """Keep the agenda columns in step with the state (DESIGN.md §4)."""
    document.is_open = bool(
        document.collectable and not document.ceded and document.state in OPEN_STATES
    )
    if not document.is_open:
        document.next_action_date = None
        document.agenda_reason = None
    elif document.next_action_date is None and document.due_date is not None:
        document.next_action_date = first_action_date(document.due_date, lead_days)
        document.agenda_reason = AgendaReason.FIRST_ACTION.value


def recompute(session: Session, document_id: int, today: date, lead_days: int) -> None:
    """Recompute the balance and state of ``document_id`` (or, for a note, of the
    documents it modifies)."""
    document = session.get(Document, document_id)
    if document is None:
        return
    if document.dte_type in CREDIT_NOTE_TYPES | DEBIT_NOTE_TYPES and not document.collectable:
        targets = session.scalars(
            select(DocumentReference.target_document_id).where(
                DocumentReference.document_id == document_id,
                DocumentReference.target_document_id.is_not(None),
            )
        ).all()
        for target in set(targets):
            if target is not None and target != document_id:
                recompute(session, target, today, lead_days)
        return
    _recompute_invoice(session, document, today, lead_days)


def _recompute_invoice(session: Session, document: Document, today: date, lead_days: int) -> None:
    note = aliased(Document)
    canceller_ref = aliased(DocumentReference)
    canceller = aliased(Document)
    cancelled = (
        select(canceller_ref.id)
        .join(canceller, canceller.id == canceller_ref.document_id)
        .where(
            canceller_ref.target_document_id == note.id,
            canceller_ref.ref_code == ANNUL,
            canceller.dte_type.in_(DEBIT_NOTE_TYPES),
        )
        .exists()
    )
    rows = session.execute(
        select(note.id, note.dte_type, note.total_amount, DocumentReference.ref_code, cancelled)
        .join(DocumentReference, DocumentReference.document_id == note.id)
        .where(and_(DocumentReference.target_document_id == document.id, note.id != document.id))
        .distinct()
    ).all()
    credits = debits = 0
    annulled = False
    for _note_id, dte_type, amount, code, is_cancelled in rows:
        if code == TEXT_ONLY or is_cancelled:
            continue
        if dte_type in CREDIT_NOTE_TYPES:
            if code == ANNUL:
                annulled = True
            else:
                credits += amount
        elif dte_type in DEBIT_NOTE_TYPES:
            debits += amount
    paid = (
        session.scalar(
            select(func.coalesce(func.sum(PaymentAllocation.amount), 0))
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(PaymentAllocation.document_id == document.id, Payment.status == "confirmed")
        )
        or 0
    )
    owed = 0 if annulled else document.total_amount + debits - credits
    document.balance = max(owed - paid, 0)
    if not document.collectable:
        return
    if annulled or owed <= 0:
        try_transition(session, document, Event.ANNULLED, today)
    elif document.state == State.ANULADA:
        try_transition(session, document, Event.REINSTATED, today)
    if document.state == State.PAGADA and document.balance > 0:
        try_transition(session, document, Event.BALANCE_INCREASED, today)
    elif document.state in OPEN_STATES and document.balance == 0 and paid > 0:
        try_transition(session, document, Event.PAID_IN_FULL, today)
    elif document.state in (State.NUEVA, State.VENCIDA) and paid > 0:
        try_transition(session, document, Event.PARTIAL_PAYMENT, today)
    elif document.state == State.PAGOS_PARCIALES and paid == 0:
        try_transition(session, document, Event.PAYMENT_REVERSED, today)
    refresh_agenda(document, lead_days)
