"""Payment behaviour, risk score and predicted payment dates, computed by hand."""

from __future__ import annotations

from datetime import date

import pytest

from totalfact_tui.domain.customer_behaviour import (
    Behaviour,
    behaviour,
    predict_payment,
    risk,
)

DAY = date(2026, 6, 30)


def test_behaviour_weights_days_late_by_amount() -> None:
    # 100.000 paid 10 days early, 300.000 paid 20 days late: (0 + 300.000 × 20) / 400.000
    habits = behaviour(
        [(100_000, -10), (300_000, 20)],
        {"cumplida": 3, "incumplida": 1, "parcial": 1, "abierta": 2, "cancelada": 4},
        (2, 1),
    )
    assert habits.average_days_late == 15.0
    assert habits.on_time_percent == 25.0  # 100.000 of 400.000 on or before the due date
    assert (habits.payments, habits.paid_amount) == (2, 400_000)
    # Partial counts as broken; cancelled promises are not judged.
    assert (habits.promises_kept, habits.promises_broken, habits.promises_open) == (3, 2, 2)
    assert habits.promises_kept_rate == pytest.approx(60.0)
    assert (habits.disputes, habits.open_disputes) == (2, 1)


def test_no_history_is_zero_not_an_error() -> None:
    habits = behaviour([], {}, (0, 0))
    assert habits.average_days_late == 0.0 and habits.on_time_percent == 0.0
    assert habits.promises_kept_rate == 0.0
    assert risk(habits, 0.0, 0).score == 0


def test_risk_score_explains_each_point() -> None:
    habits = Behaviour(
        payments=4,
        paid_amount=1,
        average_days_late=30.0,  # half of 60 -> 15 of 30 points
        on_time_percent=50.0,
        promises_kept=1,
        promises_broken=3,  # 3 of 4 judged broken -> 15 of 20 points
        promises_open=0,
        disputes=1,
        open_disputes=1,  # -> 10 of 10 points
    )
    # 40 % overdue -> 10 of 25 points; oldest 90 days past due -> 7.5 of 15 points.
    scored = risk(habits, 40.0, 90)
    points = {factor.code: factor.points for factor in scored.factors}
    assert points == {
        "days_late": 15.0,
        "overdue_share": 10.0,
        "broken_promises": 15.0,
        "open_disputes": 10.0,
        "oldest_overdue": 7.5,
    }
    assert scored.score == round(15 + 10 + 15 + 10 + 7.5) == 58 and scored.band == "medium"
    assert sum(factor.max_points for factor in scored.factors) == 100
    # Capped: 200 days late and 400 days past due give no more than the factor's maximum.
    worst = risk(Behaviour(1, 1, 200.0, 0.0, 0, 5, 0, 1, 1), 100.0, 400)
    assert worst.score == 100 and worst.band == "high"


def test_predicted_payment_uses_comparable_history() -> None:
    delays = [-5, 0, 10, 30, 60]
    # Not yet due (due in 10 days): every payment is comparable; median_low of 5 values
    # is 10 -> due + 10 days.
    due = date(2026, 7, 10)
    assert predict_payment(due, DAY, delays) == date(2026, 7, 20)
    # 20 days past due: only payments 20+ days late are comparable (30, 60): median_low 30
    # -> due + 30 = 30 June + 10 days.
    due = date(2026, 6, 10)
    assert predict_payment(due, DAY, delays) == date(2026, 7, 10)
    # 60 days past due: only the 60-day payment is comparable -> due + 60 = today.
    assert predict_payment(date(2026, 5, 1), DAY, delays) == date(2026, 6, 30)
    # Later than any payment in the history: no prediction.
    assert predict_payment(date(2026, 3, 1), DAY, delays) is None
    # Too little history, or no due date: no prediction.
    assert predict_payment(due, DAY, [3, 4]) is None
    assert predict_payment(None, DAY, delays) is None


def test_prediction_is_never_in_the_past() -> None:
    # 5 days past due, history says 7 days late -> due + 7 = in 2 days.
    assert predict_payment(date(2026, 6, 25), DAY, [7, 7, 7]) == date(2026, 7, 2)
    # History says 5 days late, the invoice is exactly 5 days past due -> today.
    assert predict_payment(date(2026, 6, 25), DAY, [5, 5, 5]) == DAY
