"""Pure rules of the collection work beyond calls: payment methods and how a payment is
split over invoices, dispute outcomes, holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class PaymentMethod(StrEnum):
    TRANSFER = "transfer"
    CHEQUE = "cheque"
    DEPOSIT = "deposit"
    CASH = "cash"
    OTHER = "other"


class PaymentStatus(StrEnum):
    CONFIRMED = "confirmed"
    TO_CONFIRM = "to_confirm"  # the customer says it is paid; nobody has seen the money
    REJECTED = "rejected"  # the money was not found
    REVERSED = "reversed"  # recorded by mistake or bounced; kept, never deleted


class DisputeOutcome(StrEnum):
    CREDIT_NOTE_EXPECTED = "credit_note_expected"
    CUSTOMER_WITHDREW = "customer_withdrew"
    INVOICE_REISSUED = "invoice_reissued"


#: Days after a resolution until the invoice is called again, by outcome: a withdrawn
#: objection is collected at once; a credit note or a new invoice takes a few days.
FOLLOW_UP_AFTER: dict[DisputeOutcome, int] = {
    DisputeOutcome.CUSTOMER_WITHDREW: 0,
    DisputeOutcome.CREDIT_NOTE_EXPECTED: 7,
    DisputeOutcome.INVOICE_REISSUED: 7,
}


@dataclass(frozen=True)
class Owed:
    """An invoice a payment may be applied to."""

    document_id: int
    due_date: date | None
    balance: int


def split_oldest_first(amount: int, invoices: Sequence[Owed]) -> dict[int, int]:
    """Spread ``amount`` over ``invoices``, oldest due date first, each up to its
    balance. What is left over (an over-payment) is not in the result: it stays as a
    credit of the customer."""
    ordered = sorted(invoices, key=lambda i: (i.due_date or date.max, i.document_id))
    allocation: dict[int, int] = {}
    left = amount
    for invoice in ordered:
        if left <= 0:
            break
        part = min(left, invoice.balance)
        if part > 0:
            allocation[invoice.document_id] = part
            left -= part
    return allocation


def hold_active(end_date: date, today: date, lifted: bool) -> bool:
    """A hold keeps its items off the agenda up to the day before its end date."""
    return not lifted and today < end_date
