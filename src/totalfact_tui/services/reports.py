"""The managers' figures (docs/kpis.md): computed in the database, as of a date and over
a period."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from totalfact_tui.db.queries.reports import (
    agenda_progress,
    balances,
    collector_production,
    credit_sales,
    customers_managed,
    debtors,
    payment_timing,
    promises_and_calls,
)
from totalfact_tui.db.session import Database

DSO_DAYS = 90
COUNTBACK_MONTHS = 24


def kpis(
    database: Database,
    day: date,
    days: int = DSO_DAYS,
    collector_id: int | None = None,
    first: date | None = None,
    last: date | None = None,
) -> dict[str, Any]:
    """Every figure of docs/kpis.md: balances as of ``day``, the DSO family over the
    ``days`` days ending on it, and the period figures over [first, last] (by default
    the month of ``day`` up to it)."""
    first = first or day.replace(day=1)
    last = last or day
    with database.read() as session:
        figures = balances(session, day, collector_id)
        sales = credit_sales(session, day - timedelta(days=days - 1), day)
        countback = _countback(session, day, figures["open_balance"])
        period = _cei(session, first, last, collector_id)
        period |= payment_timing(session, first, last, collector_id)
        period |= customers_managed(session, day, first, last, collector_id)
        period |= promises_and_calls(session, first, last, collector_id)
        progress = agenda_progress(session, day, collector_id)
    current = figures["aging"]["current"]
    dso = figures["open_balance"] / sales * days if sales > 0 else 0.0
    best = current / sales * days if sales > 0 else 0.0
    return (
        figures
        | {
            "credit_sales": sales,
            "dso_days_window": days,
            "dso": dso,
            "dso_countback": countback,
            "best_possible_dso": best,
            "average_days_delinquent": dso - best,
            "period_from": first,
            "period_to": last,
            "agenda_progress_percent": progress,
        }
        | period
    )


def _countback(session: Session, day: date, open_balance: int) -> float:
    """Count-back DSO: whole months of credit sales, newest first, then a fraction."""
    remaining = float(open_balance)
    total_days = 0.0
    end = day
    for _ in range(COUNTBACK_MONTHS):
        if remaining <= 0:
            break
        start = end.replace(day=1)
        month_days = (end - start).days + 1
        sales = credit_sales(session, start, end)
        if sales > 0 and remaining < sales:
            return total_days + remaining / sales * month_days
        remaining -= max(sales, 0)
        total_days += month_days
        previous = start - timedelta(days=1)
        end = previous.replace(
            day=min(previous.day, calendar.monthrange(previous.year, previous.month)[1])
        )
    return total_days


def _cei(session: Session, first: date, last: date, collector_id: int | None) -> dict[str, float]:
    before = balances(session, first - timedelta(days=1), collector_id)["open_balance"]
    after = balances(session, last, collector_id)
    sales = credit_sales(session, first, last)
    collected = before + sales - after["open_balance"]
    collectable = before + sales - after["aging"]["current"]
    return {
        "period_credit_sales": sales,
        "cei": collected / collectable * 100 if collectable else 0.0,
    }


def top_debtors(database: Database, day: date, limit: int = 20) -> list[dict[str, Any]]:
    with database.read() as session:
        return debtors(session, day, limit)


def collectors(database: Database, first: date, last: date) -> list[dict[str, Any]]:
    with database.read() as session:
        return collector_production(session, first, last)
