"""How a customer pays (docs/kpis.md, "Customer profile"): payment behaviour from their
own history, a simple risk score that explains itself, and a predicted payment date for
each open invoice. Pure functions over plain values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median_low

#: Fewer paid invoices than this and no payment date is predicted.
MIN_HISTORY = 3
#: Risk bands by score: below 30 low, below 60 medium, else high.
BANDS = ((30, "low"), (60, "medium"), (101, "high"))


@dataclass(frozen=True)
class Behaviour:
    payments: int
    paid_amount: int
    #: Amount-weighted days late of the payments (early counts as 0).
    average_days_late: float
    #: Share of the amount paid on or before the due date, 0..100.
    on_time_percent: float
    promises_kept: int
    promises_broken: int
    promises_open: int
    disputes: int
    open_disputes: int

    @property
    def promises_kept_rate(self) -> float:
        judged = self.promises_kept + self.promises_broken
        return self.promises_kept / judged * 100 if judged else 0.0


def behaviour(
    payments: Sequence[tuple[int, int]],
    promises: Mapping[str, int],
    disputes: tuple[int, int],
) -> Behaviour:
    """``payments``: (amount applied, days from due date to payment) per paid invoice;
    ``promises``: count per status; ``disputes``: (all, still open)."""
    paid = sum(amount for amount, _days in payments)
    late = sum(amount * max(days, 0) for amount, days in payments)
    on_time = sum(amount for amount, days in payments if days <= 0)
    return Behaviour(
        payments=len(payments),
        paid_amount=paid,
        average_days_late=late / paid if paid else 0.0,
        on_time_percent=on_time / paid * 100 if paid else 0.0,
        promises_kept=promises.get("cumplida", 0),
        promises_broken=promises.get("incumplida", 0) + promises.get("parcial", 0),
        promises_open=promises.get("abierta", 0),
        disputes=disputes[0],
        open_disputes=disputes[1],
    )


@dataclass(frozen=True)
class RiskFactor:
    code: str  # message key suffix: risk.factor.<code>
    value: float  # what was measured (days, percent, count)
    points: float
    max_points: int


@dataclass(frozen=True)
class Risk:
    score: int  # 0..100
    band: str  # low | medium | high
    factors: tuple[RiskFactor, ...]


def risk(habits: Behaviour, overdue_percent: float, max_days_past_due: int) -> Risk:
    """Five factors, each worth up to a fixed number of points (100 in all):
    how late they pay (60+ days = 30 points), how much of their balance is overdue
    (25), how many judged promises they broke (20), an open dispute (10) and how old
    their oldest overdue invoice is (180+ days = 15)."""
    factors = (
        _factor("days_late", habits.average_days_late, min(habits.average_days_late, 60) / 60, 30),
        _factor("overdue_share", overdue_percent, overdue_percent / 100, 25),
        _factor(
            "broken_promises",
            100 - habits.promises_kept_rate if habits.promises_broken else 0.0,
            habits.promises_broken / (habits.promises_kept + habits.promises_broken)
            if habits.promises_broken
            else 0.0,
            20,
        ),
        _factor("open_disputes", habits.open_disputes, 1.0 if habits.open_disputes else 0.0, 10),
        _factor("oldest_overdue", max_days_past_due, min(max_days_past_due, 180) / 180, 15),
    )
    score = round(sum(factor.points for factor in factors))
    band = next(name for limit, name in BANDS if score < limit)
    return Risk(score, band, factors)


def _factor(code: str, value: float, share: float, max_points: int) -> RiskFactor:
    share = min(max(share, 0.0), 1.0)
    return RiskFactor(code, float(value), round(share * max_points, 1), max_points)


def predict_payment(due: date | None, day: date, delays: Sequence[int]) -> date | None:
    """When an open invoice will likely be paid, from the customer's own history.

    ``delays`` are days from due date to payment of their paid invoices. Only the
    history consistent with what is known counts: payments at least as late as this
    invoice already is (an invoice 40 days past due is compared with invoices paid 40
    or more days late). The prediction is the due date plus the median of those, never
    before ``day``; None with too little history, or when this invoice is already later
    than any they paid.
    """
    if due is None or len(delays) < MIN_HISTORY:
        return None
    waited = (day - due).days
    comparable = sorted(delay for delay in delays if delay >= waited)
    if not comparable:
        return None
    return max(due + timedelta(days=median_low(comparable)), day)
