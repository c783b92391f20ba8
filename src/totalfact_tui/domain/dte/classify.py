"""Which side of a document we are on: receivable, payable or misrouted."""

from __future__ import annotations

from dataclasses import dataclass

from totalfact_tui.domain.dte.model import Dte
from totalfact_tui.domain.dte_types import (
    CREDIT_NOTE_TYPES,
    DEBIT_NOTE_TYPES,
    KNOWN_TYPES,
    NEVER_COLLECTED_TYPES,
)

FACTURA_COMPRA = 46


@dataclass(frozen=True)
class Direction:
    kind: str  # receivable | payable | misrouted
    #: The document itself is an amount to collect (an invoice, or a debit note that
    #: points at no invoice). Notes that point at an invoice change that invoice.
    collectable: bool


def has_dte_reference(dte: Dte) -> bool:
    return any(ref.folio_number is not None and ref.code != 2 for ref in dte.references)


def direction(dte: Dte, own_ruts: frozenset[str]) -> Direction:
    """An own issuer makes a receivable, except a 46 (the buyer issues it: a payable);
    an own receiver makes a payable; neither makes a misrouted document."""
    dte_type = dte.identity.dte_type
    if dte.identity.issuer_rut in own_ruts:
        if dte_type == FACTURA_COMPRA:
            return Direction("payable", collectable=False)
        if dte_type in NEVER_COLLECTED_TYPES or dte_type in CREDIT_NOTE_TYPES:
            return Direction("receivable", collectable=False)
        owes = dte.total > 0
        if dte_type in DEBIT_NOTE_TYPES:
            return Direction("receivable", collectable=owes and not has_dte_reference(dte))
        return Direction("receivable", collectable=owes and dte_type in KNOWN_TYPES)
    if dte.receiver.rut in own_ruts:
        return Direction("payable", collectable=False)
    return Direction("misrouted", collectable=False)
