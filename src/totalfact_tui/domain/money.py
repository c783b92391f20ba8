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


def parse_clp(text: str) -> int:
    """A peso amount as people and bank files write it: ``1.234.567``, ``$1.234.567``,
    ``1234567``, ``1,234,567`` or ``1234567,00``. Raises ``ValueError`` otherwise."""
    cleaned = text.strip().replace("$", "").replace(" ", "").replace("\u00a0", "")
    if cleaned.upper().startswith("CLP"):
        cleaned = cleaned[3:]
    if not cleaned:
        raise ValueError(f"not a peso amount: {text!r}")
    negative = cleaned.startswith("-")
    cleaned = cleaned.lstrip("-+")
    for decimal_mark in (",", "."):
        whole, mark, cents = cleaned.rpartition(decimal_mark)
        # A separator followed by one or two digits is a decimal mark (pesos have no
        # cents: they must be zero).
        if mark and whole and 1 <= len(cents) <= 2 and cents.isdigit():
            if int(cents) != 0:
                raise ValueError(f"not a peso amount: {text!r}")
            cleaned = whole
            break
    digits = cleaned.replace(".", "").replace(",", "")
    if not digits.isdigit():
        raise ValueError(f"not a peso amount: {text!r}")
    groups = cleaned.replace(",", ".").split(".")
    if len(groups) > 1 and (
        not 1 <= len(groups[0]) <= 3 or any(len(group) != 3 for group in groups[1:])
    ):
        raise ValueError(f"not a peso amount: {text!r}")
    value = int(digits)
    return -value if negative else value
