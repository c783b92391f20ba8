from __future__ import annotations

from datetime import date
from decimal import Decimal

from totalfact_tui.domain.agenda_rules import days_overdue, first_action_date, promise_broken_on
from totalfact_tui.domain.money import format_amount, format_clp


def test_format_clp() -> None:
    assert format_clp(0) == "$0"
    assert format_clp(1234567) == "$1.234.567"
    assert format_clp(-5000) == "-$5.000"


def test_format_foreign_amount() -> None:
    assert format_amount(Decimal("1234.5"), "USD") == "USD 1.234,50"
    assert format_amount(1500) == "$1.500"


def test_first_action_date_uses_the_preventive_lead() -> None:
    assert first_action_date(date(2026, 3, 10)) == date(2026, 3, 7)
    assert first_action_date(date(2026, 3, 10), 0) == date(2026, 3, 10)


def test_promise_breaks_after_the_grace_days() -> None:
    assert promise_broken_on(date(2026, 3, 10), 1) == date(2026, 3, 12)
    assert promise_broken_on(date(2026, 3, 10), 0) == date(2026, 3, 11)


def test_days_overdue() -> None:
    assert days_overdue(date(2026, 3, 10), date(2026, 3, 9)) == 0
    assert days_overdue(date(2026, 3, 10), date(2026, 4, 9)) == 30


def test_default_next_action_by_result() -> None:
    from totalfact_tui.domain.agenda_rules import default_next_action

    today = date(2026, 3, 10)
    assert default_next_action("no_contact", today, 1) == date(2026, 3, 11)
    assert default_next_action("callback", today, 2) == date(2026, 3, 12)
    assert default_next_action("contact", today, None) == date(2026, 3, 11)
    assert default_next_action("promise", today, None, date(2026, 3, 20)) == date(2026, 3, 20)


def test_promise_status() -> None:
    from totalfact_tui.domain.agenda_rules import PromiseStatus, promise_status

    promised = date(2026, 3, 10)
    assert promise_status(promised, 100, 100, date(2026, 3, 5), 1) is PromiseStatus.KEPT
    assert promise_status(promised, 100, 0, date(2026, 3, 11), 1) is PromiseStatus.OPEN
    assert promise_status(promised, 100, 0, date(2026, 3, 12), 1) is PromiseStatus.BROKEN
    assert promise_status(promised, 100, 40, date(2026, 3, 12), 1) is PromiseStatus.PARTLY_KEPT
    assert promise_status(promised, 100, 120, date(2026, 3, 30), 1) is PromiseStatus.KEPT


def test_cards_show_millions() -> None:
    from totalfact_tui.tui.format import money_short

    assert money_short(259_144_170) == "$259,1 M"
    assert money_short(1_234_567_890) == "$1.234,6 M"
    assert money_short(51_650) == "$51.650"
