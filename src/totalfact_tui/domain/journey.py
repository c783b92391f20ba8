"""The invoice journey (estado): its states and every allowed transition, as data.

Every state change of an invoice goes through :func:`transition`; an event that is not
allowed from the current state raises :class:`IllegalTransition`. No other module
decides which state follows which.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from totalfact_tui.domain.errors import IllegalTransition


class State(StrEnum):
    NUEVA = "nueva"
    VENCIDA = "vencida"
    EN_ESPERA = "en_espera"
    OBJETADA = "objetada"
    PAGOS_PARCIALES = "pagos_parciales"
    PAGO_POR_CONFIRMAR = "pago_por_confirmar"
    PAGADA = "pagada"
    RECHAZADA = "rechazada"
    CEDIDA = "cedida"
    ANULADA = "anulada"


class Event(StrEnum):
    BECAME_OVERDUE = "became_overdue"
    WAIT_STARTED = "wait_started"  # a promise or a callback was agreed
    WAIT_ENDED = "wait_ended"  # the promised or agreed date passed without payment
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_RESOLVED = "dispute_resolved"
    PARTIAL_PAYMENT = "partial_payment"
    PAYMENT_CLAIMED = "payment_claimed"  # the customer says it is paid
    PAYMENT_CLAIM_REJECTED = "payment_claim_rejected"
    PAID_IN_FULL = "paid_in_full"
    PAYMENT_REVERSED = "payment_reversed"
    REJECTED_BY_CUSTOMER = "rejected_by_customer"
    CEDED = "ceded"
    ANNULLED = "annulled"
    REINSTATED = "reinstated"  # an annulling credit note was itself cancelled
    BALANCE_INCREASED = "balance_increased"  # a debit note reopened a paid invoice


#: States in which an invoice still has a balance to collect.
OPEN_STATES: frozenset[State] = frozenset(
    {
        State.NUEVA,
        State.VENCIDA,
        State.EN_ESPERA,
        State.OBJETADA,
        State.PAGOS_PARCIALES,
        State.PAGO_POR_CONFIRMAR,
    }
)

#: States an invoice never leaves by itself.
FINAL_STATES: frozenset[State] = frozenset({State.PAGADA, State.CEDIDA, State.ANULADA})

_ACTIVE = OPEN_STATES
_REOPEN = "reopen"  # target decided by the due date: nueva before it, vencida after


@dataclass(frozen=True)
class Rule:
    sources: frozenset[State]
    target: State | str


#: The whole journey. ``reopen`` means "nueva or vencida, by the due date".
RULES: dict[Event, Rule] = {
    Event.BECAME_OVERDUE: Rule(frozenset({State.NUEVA}), State.VENCIDA),
    Event.WAIT_STARTED: Rule(
        frozenset({State.NUEVA, State.VENCIDA, State.EN_ESPERA, State.PAGOS_PARCIALES}),
        State.EN_ESPERA,
    ),
    Event.WAIT_ENDED: Rule(frozenset({State.EN_ESPERA}), _REOPEN),
    Event.DISPUTE_OPENED: Rule(_ACTIVE - {State.OBJETADA}, State.OBJETADA),
    Event.DISPUTE_RESOLVED: Rule(frozenset({State.OBJETADA}), _REOPEN),
    Event.PARTIAL_PAYMENT: Rule(_ACTIVE, State.PAGOS_PARCIALES),
    Event.PAYMENT_CLAIMED: Rule(_ACTIVE - {State.PAGO_POR_CONFIRMAR}, State.PAGO_POR_CONFIRMAR),
    Event.PAYMENT_CLAIM_REJECTED: Rule(frozenset({State.PAGO_POR_CONFIRMAR}), _REOPEN),
    Event.PAID_IN_FULL: Rule(_ACTIVE | {State.RECHAZADA}, State.PAGADA),
    Event.PAYMENT_REVERSED: Rule(frozenset({State.PAGADA, State.PAGOS_PARCIALES}), _REOPEN),
    Event.REJECTED_BY_CUSTOMER: Rule(_ACTIVE, State.RECHAZADA),
    Event.CEDED: Rule(_ACTIVE | {State.RECHAZADA}, State.CEDIDA),
    Event.ANNULLED: Rule(_ACTIVE | {State.RECHAZADA}, State.ANULADA),
    Event.REINSTATED: Rule(frozenset({State.ANULADA}), _REOPEN),
    Event.BALANCE_INCREASED: Rule(frozenset({State.PAGADA}), _REOPEN),
}


def initial_state(*, overdue: bool) -> State:
    """State of a newly loaded invoice: ``vencida`` if already past due, else ``nueva``."""
    return State.VENCIDA if overdue else State.NUEVA


def transition(state: State | str, event: Event | str, *, overdue: bool = False) -> State:
    """The state after ``event`` happens to an invoice in ``state``.

    ``overdue`` says whether the due date has passed; it decides where an invoice goes
    when it reopens (a dispute resolved, a payment reversed, a wait ended).
    """
    current = State(state)
    happened = Event(event)
    rule = RULES[happened]
    if current not in rule.sources:
        raise IllegalTransition(state=current.value, event=happened.value)
    if rule.target == _REOPEN:
        return initial_state(overdue=overdue)
    return State(rule.target)


def allowed_events(state: State | str) -> list[Event]:
    """The events allowed from ``state``, in declaration order."""
    current = State(state)
    return [event for event, rule in RULES.items() if current in rule.sources]


def is_open(state: State | str) -> bool:
    return State(state) in OPEN_STATES
