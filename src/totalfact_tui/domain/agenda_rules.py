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
    COVERING = "covering"


def first_action_date(due_date: date, lead_days: int = DEFAULT_PREVENTIVE_LEAD_DAYS) -> date:
    """The first day an untouched invoice appears: its due date minus the preventive lead."""
    return due_date - timedelta(days=lead_days)


def promise_broken_on(promised: date, grace_days: int = DEFAULT_PROMISE_GRACE_DAYS) -> date:
    """The first day on which an unpaid promise counts as broken."""
    return promised + timedelta(days=grace_days + 1)


def days_overdue(due_date: date, today: date) -> int:
    """Days past the due date (0 when not yet due)."""
    return max((today - due_date).days, 0)
