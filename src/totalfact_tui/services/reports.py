"""The managers' figures (docs/kpis.md): computed in the database, as of a date and over
a period."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from totalfact_tui.db.queries.reports import balances, credit_sales
from totalfact_tui.db.session import Database

DSO_DAYS = 90


def kpis(
    database: Database,
    day: date,
    days: int = DSO_DAYS,
    collector_id: int | None = None,
) -> dict[str, Any]:
    """Balances, aging and the DSO family as of ``day`` (window: the ``days`` days
    ending on it)."""
    with database.read() as session:
        figures = balances(session, day, collector_id)
        sales = credit_sales(session, day - timedelta(days=days - 1), day)
    current = figures["aging"]["current"]
    dso = figures["open_balance"] / sales * days if sales > 0 else 0.0
    best = current / sales * days if sales > 0 else 0.0
    return figures | {
        "credit_sales": sales,
        "dso_days_window": days,
        "dso": dso,
        "best_possible_dso": best,
        "average_days_delinquent": dso - best,
    }
