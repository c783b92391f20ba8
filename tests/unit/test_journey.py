from __future__ import annotations

import pytest

from totalfact_tui.domain.errors import IllegalTransition
from totalfact_tui.domain.journey import (
    FINAL_STATES,
    OPEN_STATES,
    RULES,
    Event,
    State,
    allowed_events,
    initial_state,
    is_open,
    transition,
)


def test_initial_state_depends_on_due_date() -> None:
    assert initial_state(overdue=False) is State.NUEVA
    assert initial_state(overdue=True) is State.VENCIDA


@pytest.mark.parametrize(
    ("state", "event", "overdue", "expected"),
    [
        (State.NUEVA, Event.BECAME_OVERDUE, True, State.VENCIDA),
        (State.VENCIDA, Event.WAIT_STARTED, True, State.EN_ESPERA),
        (State.NUEVA, Event.WAIT_STARTED, False, State.EN_ESPERA),
        (State.EN_ESPERA, Event.WAIT_ENDED, True, State.VENCIDA),
        (State.EN_ESPERA, Event.WAIT_ENDED, False, State.NUEVA),
        (State.VENCIDA, Event.DISPUTE_OPENED, True, State.OBJETADA),
        (State.OBJETADA, Event.DISPUTE_RESOLVED, True, State.VENCIDA),
        (State.OBJETADA, Event.DISPUTE_RESOLVED, False, State.NUEVA),
        (State.VENCIDA, Event.PARTIAL_PAYMENT, True, State.PAGOS_PARCIALES),
        (State.PAGOS_PARCIALES, Event.PARTIAL_PAYMENT, True, State.PAGOS_PARCIALES),
        (State.VENCIDA, Event.PAYMENT_CLAIMED, True, State.PAGO_POR_CONFIRMAR),
        (State.PAGO_POR_CONFIRMAR, Event.PAYMENT_CLAIM_REJECTED, True, State.VENCIDA),
        (State.PAGO_POR_CONFIRMAR, Event.PAID_IN_FULL, True, State.PAGADA),
        (State.PAGOS_PARCIALES, Event.PAID_IN_FULL, True, State.PAGADA),
        (State.PAGADA, Event.PAYMENT_REVERSED, True, State.VENCIDA),
        (State.PAGADA, Event.PAYMENT_REVERSED, False, State.NUEVA),
        (State.NUEVA, Event.REJECTED_BY_CUSTOMER, False, State.RECHAZADA),
        (State.RECHAZADA, Event.ANNULLED, True, State.ANULADA),
        (State.VENCIDA, Event.CEDED, True, State.CEDIDA),
        (State.ANULADA, Event.REINSTATED, True, State.VENCIDA),
        (State.PAGADA, Event.BALANCE_INCREASED, True, State.VENCIDA),
    ],
)
def test_allowed_transitions(state: State, event: Event, overdue: bool, expected: State) -> None:
    assert transition(state, event, overdue=overdue) is expected


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (State.PAGADA, Event.WAIT_STARTED),
        (State.PAGADA, Event.DISPUTE_OPENED),
        (State.ANULADA, Event.PARTIAL_PAYMENT),
        (State.CEDIDA, Event.WAIT_STARTED),
        (State.CEDIDA, Event.PAID_IN_FULL),
        (State.VENCIDA, Event.WAIT_ENDED),
        (State.VENCIDA, Event.DISPUTE_RESOLVED),
        (State.OBJETADA, Event.DISPUTE_OPENED),
        (State.VENCIDA, Event.BECAME_OVERDUE),
        (State.NUEVA, Event.PAYMENT_REVERSED),
    ],
)
def test_illegal_transitions_raise_a_clear_error(state: State, event: Event) -> None:
    with pytest.raises(IllegalTransition) as info:
        transition(state, event)
    assert info.value.params == {"state": state.value, "event": event.value}


def test_final_states_have_few_ways_out() -> None:
    # A paid invoice only leaves by a reversal, an annulled one by reinstatement,
    # a ceded one never.
    assert allowed_events(State.PAGADA) == [Event.PAYMENT_REVERSED, Event.BALANCE_INCREASED]
    assert allowed_events(State.ANULADA) == [Event.REINSTATED]
    assert allowed_events(State.CEDIDA) == []


def test_every_state_and_event_is_covered_by_the_rules() -> None:
    assert set(RULES) == set(Event)
    reachable = {rule.target for rule in RULES.values()}
    for state in State:
        assert state in reachable or state in (State.NUEVA, State.VENCIDA) or state is State.NUEVA
    assert OPEN_STATES.isdisjoint(FINAL_STATES)


def test_is_open() -> None:
    assert is_open("vencida")
    assert not is_open("pagada")
    assert not is_open(State.CEDIDA)


def test_unknown_state_or_event_is_rejected() -> None:
    with pytest.raises(ValueError, match="nope"):
        transition("nope", Event.CEDED)
