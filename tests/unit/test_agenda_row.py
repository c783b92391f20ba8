"""``AgendaRow.of``, the fast way the agenda query builds its rows, gives the same row
as the dataclass's own ``__init__`` and refuses a missing or unknown field."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import pytest

from totalfact_tui.domain.agenda import AgendaRow, LastAction


def _values() -> dict[str, Any]:
    return {
        "document_id": 7,
        "version": 3,
        "customer_id": 2,
        "customer_name": "Ferretería del Maule E.I.R.L.",
        "customer_rut": "71394921-3",
        "issuer_rut": "76543210-3",
        "dte_type": 33,
        "folio": 1204,
        "issue_date": date(2026, 9, 1),
        "due_date": date(2026, 10, 1),
        "days_overdue": 56,
        "total": 119_000,
        "balance": 59_500,
        "currency": "CLP",
        "state": "vencida",
        "ceded": False,
        "next_action_date": date(2026, 11, 26),
        "reason": "promise_broken",
        "broken_promises": 1,
        "promise_broken": True,
        "disputed": False,
        "task_pending": True,
        "task_overdue": False,
        "note_unread": True,
        "promise_date": date(2026, 11, 20),
        "promise_amount": 59_500,
        "last_action": LastAction(
            "promete_pago",
            "Promete pago",
            "Promises payment",
            datetime(2026, 11, 2, tzinfo=UTC),
            "ana",
        ),
        "priority": 4,
        "covered_for": "beto",
        "worked_by": None,
    }


def test_of_builds_the_same_row_as_init() -> None:
    built = AgendaRow.of(**_values())
    assert built == AgendaRow(**_values())
    assert dataclasses.asdict(built) == dataclasses.asdict(AgendaRow(**_values()))
    assert hash(built) == hash(AgendaRow(**_values()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.balance = 0  # type: ignore[misc]


def test_of_refuses_a_missing_or_unknown_field() -> None:
    values = _values()
    del values["worked_by"]  # has a default in __init__; .of wants every field
    with pytest.raises(TypeError, match="missing \\['worked_by'\\]"):
        AgendaRow.of(**values)
    with pytest.raises(TypeError, match="unknown \\['colour'\\]"):
        AgendaRow.of(**_values(), colour="red")
