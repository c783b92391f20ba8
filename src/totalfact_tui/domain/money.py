"""Money: CLP as integers, other currencies as ``Decimal``; never floats."""

from __future__ import annotations

from decimal import Decimal

CLP = "CLP"


def format_clp(amount: int) -> str:
    """Chilean display of a peso amount: ``$1.234.567`` (``-$5.000`` when negative)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,}".replace(",", ".")


def format_amount(amount: int | Decimal, currency: str = CLP) -> str:
    """Display any amount: CLP without decimals, others with two and the currency code."""
    if currency == CLP:
        return format_clp(int(amount))
    quantized = Decimal(amount).quantize(Decimal("0.01"))
    whole, _, cents = f"{abs(quantized):,.2f}".partition(".")
    sign = "-" if quantized < 0 else ""
    return f"{sign}{currency} {whole.replace(',', '.')},{cents}"
