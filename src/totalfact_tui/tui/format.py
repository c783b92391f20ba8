"""How values read on screen (Chilean formats), without importing the database layer."""

from __future__ import annotations

from datetime import date, datetime

from totalfact_tui.domain.money import format_clp
from totalfact_tui.i18n import format_date, t

DTE_SHORT = {33: "FE", 34: "FEX", 46: "FC", 52: "GD", 56: "ND", 61: "NC", 110: "FEXP"}


def money(amount: int | None) -> str:
    return "" if amount is None else format_clp(amount)


def money_short(amount: int) -> str:
    """A large amount in millions for a card: ``$259,1 M`` (exact below a million)."""
    if abs(amount) < 1_000_000:
        return format_clp(amount)
    millions = f"{amount / 1_000_000:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return t("money.millions", amount=millions)


def day(value: date | None) -> str:
    return format_date(value)


def moment(value: datetime | None) -> str:
    return value.strftime("%d-%m-%Y %H:%M") if value else ""


def document(dte_type: int, folio: int) -> str:
    return f"{DTE_SHORT.get(dte_type, str(dte_type))} {folio}"


def state(value: str | None) -> str:
    return t(f"state.{value}") if value else ""


def reason(value: str | None) -> str:
    return t(f"reason.{value}") if value else ""


def parse_day(text: str, today: date) -> date | None:
    """A date as people type it: dd-mm-yyyy, yyyy-mm-dd, dd/mm, or +N days."""
    from datetime import timedelta

    value = text.strip()
    if not value:
        return None
    if value.startswith("+") and value[1:].isdigit():
        return today + timedelta(days=int(value[1:]))
    for separator in ("-", "/", "."):
        parts = value.split(separator)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            first, second, third = (int(p) for p in parts)
            try:
                if len(parts[0]) == 4:
                    return date(first, second, third)
                return date(third if third > 99 else 2000 + third, second, first)
            except ValueError:
                return None
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            try:
                return date(today.year, int(parts[1]), int(parts[0]))
            except ValueError:
                return None
    return None


def parse_amount(text: str) -> int | None:
    digits = text.replace("$", "").replace(".", "").replace(" ", "").strip()
    return int(digits) if digits.isdigit() else None
