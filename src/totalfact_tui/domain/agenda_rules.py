"""When an invoice is due for action (DESIGN.md §4), as pure date arithmetic."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

DEFAULT_PREVENTIVE_LEAD_DAYS = 3
DEFAULT_PROMISE_GRACE_DAYS = 1


class AgendaReason(StrEnum):
    """Why an invoice is on (or will come back to) the agenda."""

    FIRST_ACTION = "first_action"
    CALLBACK = "callback"
    PROMISE_DUE = "promise_due"
    PROMISE_BROKEN = "promise_broken"
    HOLD_ENDED = "hold_ended"
    DISPUTE_FOLLOW_UP = "dispute_follow_up"
    PAYMENT_TO_CONFIRM = "payment_to_confirm"
    PAYMENT_REJECTED = "payment_rejected"
    TASK_FOLLOW_UP = "task_follow_up"
    DISPUTE_RESOLVED = "dispute_resolved"
    PAYMENT_REVERSED = "payment_reversed"
    COVERING = "covering"
    CADENCE_STEP = "cadence_step"


def first_action_date(due_date: date, lead_days: int = DEFAULT_PREVENTIVE_LEAD_DAYS) -> date:
    """The first day an untouched invoice appears: its due date minus the preventive lead."""
    return due_date - timedelta(days=lead_days)


def promise_broken_on(promised: date, grace_days: int = DEFAULT_PROMISE_GRACE_DAYS) -> date:
    """The first day on which an unpaid promise counts as broken."""
    return promised + timedelta(days=grace_days + 1)


def days_overdue(due_date: date, today: date) -> int:
    """Days past the due date (0 when not yet due)."""
    return max((today - due_date).days, 0)


class ResultKind(StrEnum):
    """What a call's result means for the invoice (the catalog's ``kind``)."""

    NO_CONTACT = "no_contact"
    CONTACT = "contact"
    PROMISE = "promise"
    CLAIMS_PAID = "claims_paid"
    DISPUTE = "dispute"
    CALLBACK = "callback"
    OTHER = "other"


#: Why the invoice comes back after an action of each kind.
REASON_AFTER: dict[ResultKind, AgendaReason] = {
    ResultKind.PROMISE: AgendaReason.PROMISE_DUE,
    ResultKind.DISPUTE: AgendaReason.DISPUTE_FOLLOW_UP,
    ResultKind.CLAIMS_PAID: AgendaReason.PAYMENT_TO_CONFIRM,
}


def default_next_action(
    kind: ResultKind | str,
    today: date,
    next_action_days: int | None,
    promise_date: date | None = None,
) -> date:
    """The next-action date a result suggests: the promised day for a promise, else
    the catalog's days for the result (tomorrow when it names none)."""
    if ResultKind(kind) is ResultKind.PROMISE and promise_date is not None:
        return promise_date
    return today + timedelta(days=next_action_days if next_action_days else 1)


def reason_after(kind: ResultKind | str) -> AgendaReason:
    return REASON_AFTER.get(ResultKind(kind), AgendaReason.CALLBACK)


class PromiseStatus(StrEnum):
    OPEN = "abierta"
    KEPT = "cumplida"
    PARTLY_KEPT = "parcial"
    BROKEN = "incumplida"
    CANCELLED = "cancelada"


def promise_status(
    promised: date, amount: int, paid: int, today: date, grace_days: int
) -> PromiseStatus:
    """Status of a promise given what was paid on its invoices by the deadline
    (promised date + grace days): kept when paid in full, open until the deadline
    passes, then partly kept or broken."""
    if paid >= amount:
        return PromiseStatus.KEPT
    if today < promise_broken_on(promised, grace_days):
        return PromiseStatus.OPEN
    return PromiseStatus.PARTLY_KEPT if paid > 0 else PromiseStatus.BROKEN
