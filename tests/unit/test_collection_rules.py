"""Pure rules: peso amounts as people write them, and splitting a payment."""

from __future__ import annotations

from datetime import date

import pytest

from totalfact_tui.domain.collection import Owed, split_oldest_first
from totalfact_tui.domain.money import parse_clp


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.234.567", 1_234_567),
        ("$1.234.567", 1_234_567),
        ("1234567", 1_234_567),
        ("1,234,567", 1_234_567),
        ("1234567,00", 1_234_567),
        ("1.234.567,00", 1_234_567),
        (" 500 ", 500),
        ("-5.000", -5_000),
    ],
)
def test_parse_clp(text: str, value: int) -> None:
    assert parse_clp(text) == value


@pytest.mark.parametrize("text", ["", "abc", "12.34.567", "1.5", "1234,50", "1.2345"])
def test_parse_clp_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a peso amount"):
        parse_clp(text)


def test_split_oldest_first_and_leftover() -> None:
    invoices = [
        Owed(3, date(2026, 3, 1), 100),
        Owed(1, date(2026, 1, 1), 50),
        Owed(2, None, 70),
    ]
    assert split_oldest_first(120, invoices) == {1: 50, 3: 70}
    assert split_oldest_first(500, invoices) == {1: 50, 3: 100, 2: 70}  # 280 left: credit
