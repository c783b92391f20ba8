"""The managers' figures (docs/kpis.md): computed in the database, as of a date and over
a period."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from totalfact_tui.db.queries import reports as queries
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
from totalfact_tui.domain import customer_behaviour
from totalfact_tui.domain.customer_behaviour import Behaviour, Risk

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
        # The period usually ends on the as-of day: its closing balances are known.
        closing = figures if last == day else balances(session, last, collector_id)
        period = _cei(session, first, last, collector_id, closing)
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


def _cei(
    session: Session,
    first: date,
    last: date,
    collector_id: int | None,
    after: dict[str, Any],
) -> dict[str, float]:
    """``after``: the balances as of ``last``."""
    before = balances(session, first - timedelta(days=1), collector_id)["open_balance"]
    sales = credit_sales(session, first, last)
    collected = before + sales - after["open_balance"]
    collectable = before + sales - after["aging"]["current"]
    return {
        "period_credit_sales": sales,
        "cei": collected / collectable * 100 if collectable else 0.0,
    }


def top_debtors(
    database: Database, day: date, limit: int = 20, collector_id: int | None = None
) -> list[dict[str, Any]]:
    with database.read() as session:
        return debtors(session, day, limit, collector_id)


def collectors(database: Database, first: date, last: date) -> list[dict[str, Any]]:
    with database.read() as session:
        return collector_production(session, first, last)


def invoices_behind(
    database: Database,
    day: date,
    *,
    bucket: str | None = None,
    collector_id: int | None = None,
    customer_id: int | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The invoices behind a figure (drill-down): an aging bucket (``current``,
    ``1_30``...), ``overdue``, ``disputed``, ``ceded`` or all open ones; of a collector
    or a customer."""
    with database.read() as session:
        return queries.open_invoices(
            session,
            day,
            bucket=bucket,
            collector_id=collector_id,
            customer_id=customer_id,
            limit=limit,
        )


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class ContactCell:
    weekday: int  # 0 = Monday
    hour: int  # local hour of day, 0..23
    calls: int
    right_party_contacts: int

    @property
    def rate(self) -> float:
        return self.right_party_contacts / self.calls * 100 if self.calls else 0.0


def contact_hours(
    database: Database,
    first: date,
    last: date,
    timezone: str = "America/Santiago",
    collector_id: int | None = None,
) -> list[ContactCell]:
    """Calls and right-party contacts by local weekday and hour over [first, last]: the
    best hours to call. Counted per UTC hour in the database, folded into local time
    here (daylight saving moves the offset)."""
    zone = ZoneInfo(timezone)
    with database.read() as session:
        hours = queries.contact_hours(session, first, last, collector_id)
    cells: dict[tuple[int, int], list[int]] = {}
    for moment, calls, reached in hours:
        local = moment.astimezone(zone)
        totals = cells.setdefault((local.weekday(), local.hour), [0, 0])
        totals[0] += calls
        totals[1] += reached
    return [
        ContactCell(weekday, hour, calls, reached)
        for (weekday, hour), (calls, reached) in sorted(cells.items())
    ]


def trends(
    database: Database,
    day: date,
    months: int = 12,
    days: int = DSO_DAYS,
    collector_id: int | None = None,
) -> list[dict[str, Any]]:
    """Overdue percent and DSO at the end of each of the last ``months`` months (the
    current month as of ``day``), oldest first."""
    ends = []
    end = day
    for _ in range(months):
        ends.append(end)
        end = end.replace(day=1) - timedelta(days=1)
    table = []
    with database.read() as session:
        for end in reversed(ends):
            figures = balances(session, end, collector_id)
            sales = credit_sales(session, end - timedelta(days=days - 1), end)
            table.append(
                {
                    "month": end.strftime("%Y-%m"),
                    "as_of": end,
                    "open_balance": figures["open_balance"],
                    "overdue_percent": figures["overdue_percent"],
                    "dso": figures["open_balance"] / sales * days if sales > 0 else 0.0,
                }
            )
    return table


@dataclass(frozen=True)
class ProfileInvoice:
    document_id: int
    dte_type: int
    folio: int
    issue_date: date
    due_date: date | None
    balance: int
    days_past_due: int
    state: str
    promise_date: date | None
    predicted_payment: date | None


@dataclass(frozen=True)
class CustomerProfile:
    customer_id: int
    name: str
    rut: str
    day: date
    balances: dict[str, Any]
    habits: Behaviour
    risk: Risk
    invoices: list[ProfileInvoice]


def customer_profile(database: Database, customer_id: int, day: date) -> CustomerProfile:
    """A customer's payment behaviour as of ``day``, their risk score, and when each of
    their open invoices will likely be paid (docs/kpis.md, "Customer profile")."""
    from totalfact_tui.db.models import Customer
    from totalfact_tui.domain.errors import NotFound

    with database.read() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFound("error.not_found", entity="cliente", key=str(customer_id))
        figures = balances(session, day, customer_id=customer_id)
        delays = queries.payment_delays(session, customer_id, day)
        promises = queries.promise_statuses(session, customer_id, day)
        disputes = queries.dispute_counts(session, customer_id, day)
        open_rows = queries.open_invoices(session, day, customer_id=customer_id)
        name, rut = customer.name, customer.rut
    habits = customer_behaviour.behaviour(delays, promises, disputes)
    oldest = max((row["days_past_due"] for row in open_rows), default=0)
    history = [days for _amount, days in delays]
    invoices = [
        ProfileInvoice(
            document_id=row["document_id"],
            dte_type=row["dte_type"],
            folio=row["folio"],
            issue_date=row["issue_date"],
            due_date=row["due_date"],
            balance=row["balance"],
            days_past_due=row["days_past_due"],
            state=row["state"],
            promise_date=row["promise_date"],
            predicted_payment=customer_behaviour.predict_payment(row["due_date"], day, history),
        )
        for row in open_rows
    ]
    return CustomerProfile(
        customer_id,
        name,
        rut,
        day,
        figures,
        habits,
        customer_behaviour.risk(habits, figures["overdue_percent"], oldest),
        invoices,
    )


@dataclass(frozen=True)
class ScreenFigures:
    """What the report screen shows at once (the trends load apart: they are slower)."""

    kpis: dict[str, Any]
    collectors: list[dict[str, Any]]
    debtors: list[dict[str, Any]]
    hours: list[ContactCell]


def screen_figures(
    database: Database,
    day: date,
    first: date,
    last: date,
    collector_id: int | None = None,
    timezone: str = "America/Santiago",
) -> ScreenFigures:
    """The figures of the report screen; ``collector_id`` limits them to one collector's
    invoices and work (what a collector sees)."""
    figures = kpis(database, day, DSO_DAYS, collector_id, first, last)
    production = collectors(database, first, last)
    if collector_id is not None:
        production = [row for row in production if row["user_id"] == collector_id]
    return ScreenFigures(
        kpis=figures,
        collectors=production,
        debtors=top_debtors(database, day, 20, collector_id),
        hours=contact_hours(database, day - timedelta(days=89), day, timezone, collector_id),
    )
