"""KPIs against a small fixture whose every figure is computed by hand below
(docs/kpis.md has the definitions)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date

import pytest
from sqlalchemy import select

from tests.dte_factory import OWN_RUT, Doc, Ref, envelope
from totalfact_tui.db.models import Document, User
from totalfact_tui.db.session import Database
from totalfact_tui.services import payments, reports
from totalfact_tui.services.companies import register_own_company
from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.ingest import IngestSettings, ingest_bytes
from totalfact_tui.services.payments import PaymentForm
from totalfact_tui.services.users import add_user

AS_OF = date(2026, 6, 30)


@pytest.fixture
def report_db(db_url: str) -> Iterator[Database]:
    database = open_app_database(db_url)
    register_own_company(database, OWN_RUT, "Andes")
    add_user(database, "ana", "Ana Soto", "collector")
    docs = [
        # folio, issued, due, net -> total (19% VAT)
        Doc(1, issue_date=date(2026, 4, 10), due_date=date(2026, 5, 10), net=100_000),  # 119.000
        Doc(2, issue_date=date(2026, 5, 20), due_date=date(2026, 6, 19), net=200_000),  # 238.000
        Doc(3, issue_date=date(2026, 6, 10), due_date=date(2026, 7, 10), net=300_000),  # 357.000
        Doc(4, issue_date=date(2026, 1, 5), due_date=date(2026, 2, 4), net=50_000),  # 59.500
        Doc(5, issue_date=date(2026, 6, 1), due_date=date(2026, 7, 1), net=10_000),  # 11.900, ceded
        # A credit note correcting folio 2's amount by 20.000 net (23.800), issued 25 June.
        Doc(
            61,
            dte_type=61,
            issue_date=date(2026, 6, 25),
            due_date=None,
            net=20_000,
            references=[Ref("33", "2", code=3)],
        ),
        # A credit note dated after the as-of day: it must not count yet.
        Doc(
            62,
            dte_type=61,
            issue_date=date(2026, 7, 2),
            due_date=None,
            net=10_000,
            references=[Ref("33", "3", code=3)],
        ),
    ]
    ingest_bytes(database, "set.xml", envelope(*docs), IngestSettings(today=date(2026, 7, 5)))
    with database.write() as session:
        ceded = session.scalars(select(Document).where(Document.folio == 5)).one()
        ceded.ceded = True
        # ana collects this customer (she records its payments and calls below).
        ana = session.scalars(select(User.id).where(User.username == "ana")).one()
        for document in session.scalars(select(Document)):
            document.collector_id = ana

    def pay(folio: int, amount: int, day: date) -> None:
        with database.read() as session:
            document_id = session.scalars(select(Document.id).where(Document.folio == folio)).one()
        payments.record_payment(
            database, "ana", PaymentForm((document_id,), amount, day), date(2026, 7, 5)
        )

    pay(1, 19_000, date(2026, 6, 15))  # partial, before the as-of day
    pay(1, 100_000, date(2026, 7, 3))  # the rest, after it: not counted at 30 June
    pay(4, 59_500, date(2026, 3, 1))  # folio 4 fully paid in March
    yield database
    database.dispose()


def test_balances_and_aging_by_hand(report_db: Database) -> None:
    figures = reports.kpis(report_db, AS_OF)
    # Open at 30 June (ceded folio 5 apart, folio 4 paid):
    #   folio 1: 119.000 - 19.000 = 100.000, due 10 May -> 51 days past due (31-60)
    #   folio 2: 238.000 - 23.800 = 214.200, due 19 June -> 11 days (1-30)
    #   folio 3: 357.000 (the July credit note does not count yet), due 10 July: current
    assert figures["open_balance"] == 100_000 + 214_200 + 357_000 == 671_200
    assert figures["open_invoices"] == 3
    assert figures["overdue_balance"] == 314_200 and figures["overdue_invoices"] == 2
    assert figures["overdue_percent"] == pytest.approx(314_200 / 671_200 * 100)
    assert figures["aging"] == {
        "current": 357_000,
        "1_30": 214_200,
        "31_60": 100_000,
        "61_90": 0,
        "91_180": 0,
        "over_180": 0,
    }
    assert sum(figures["aging"].values()) == figures["open_balance"]
    assert (figures["ceded_balance"], figures["ceded_invoices"]) == (11_900, 1)
    # Average debt age: (100.000 × 81 + 214.200 × 41 + 357.000 × 20) / 671.200
    # (issued 10 April, 20 May, 10 June -> 81, 41 and 20 days before 30 June).
    expected_age = (100_000 * 81 + 214_200 * 41 + 357_000 * 20) / 671_200
    assert figures["average_debt_age"] == pytest.approx(expected_age)


def test_dso_family_by_hand(report_db: Database) -> None:
    figures = reports.kpis(report_db, AS_OF, days=90)
    # Window 2 April .. 30 June: folios 1, 2, 3 issued (119.000 + 238.000 + 357.000;
    # folio 5 is ceded, folio 4 was issued in January) minus the June credit note 23.800.
    sales = 119_000 + 238_000 + 357_000 - 23_800
    assert figures["credit_sales"] == sales == 690_200
    assert figures["dso"] == pytest.approx(671_200 / 690_200 * 90)
    assert figures["best_possible_dso"] == pytest.approx(357_000 / 690_200 * 90)
    assert figures["average_days_delinquent"] == pytest.approx(314_200 / 690_200 * 90)


def test_after_the_last_payment_the_figures_move(report_db: Database) -> None:
    later = reports.kpis(report_db, date(2026, 7, 5))
    # Folio 1 paid in full on 3 July; folio 3 corrected by the 2 July credit note
    # (11.900): 214.200 + 345.100.
    assert later["open_balance"] == 214_200 + 345_100
    assert later["aging"]["31_60"] == 0


def test_report_commands_hold_the_same_numbers(cli: object, report_db: Database) -> None:
    import csv
    import io
    import json

    url = report_db.engine.url.render_as_string(hide_password=False)
    run = lambda *args: cli("--db", url, "report", *args)  # type: ignore[operator]  # noqa: E731
    as_json = json.loads(run("kpis", "--as-of", "2026-06-30", "--format", "json").out)
    assert as_json["open_balance"] == 671_200 and as_json["aging"]["31_60"] == 100_000
    aging = json.loads(run("aging", "--as-of", "2026-06-30", "--format", "json").out)
    assert aging == as_json["aging"] | {"open_balance": 671_200}
    rows = list(
        csv.DictReader(io.StringIO(run("aging", "--as-of", "2026-06-30", "--format", "csv").out))
    )
    assert {r["bucket"]: int(r["balance"]) for r in rows}["1_30"] == 214_200
    table = run("kpis", "--as-of", "2026-06-30")
    assert table.code == 0 and "$671.200" in table.out


def test_period_figures_by_hand(report_db: Database) -> None:
    figures = reports.kpis(report_db, AS_OF)  # period: 1-30 June 2026
    # June payments: 19.000 on folio 1 (issued 10 April, due 10 May) paid 15 June:
    # 66 days from issue, 36 days late.
    assert figures["average_collection_period"] == pytest.approx(66.0)
    assert figures["weighted_days_late"] == pytest.approx(36.0)
    # CEI: AR on 31 May = folio 1 (119.000) + folio 2 (238.000) = 357.000; June credit
    # sales = folio 3 (357.000) - the June credit note (23.800) = 333.200; AR on 30 June
    # = 671.200, of which current 357.000. (357.000 + 333.200 - 671.200) = 19.000 collected
    # out of (357.000 + 333.200 - 357.000) = 333.200 collectable.
    assert figures["period_credit_sales"] == 333_200
    assert figures["cei"] == pytest.approx(19_000 / 333_200 * 100)
    # Count-back: 671.200 - June 333.200 (30 days) = 338.000 - May 238.000 (31 days)
    # = 100.000, which is 100.000/119.000 of April's 30 days.
    assert figures["dso_countback"] == pytest.approx(30 + 31 + 100_000 / 119_000 * 30)
    # No action in June: the one customer with an overdue balance was not managed.
    assert (figures["customers_overdue"], figures["customers_managed"]) == (1, 0)
    assert figures["customers_managed_percent"] == 0.0
    assert figures["calls"] == 0 and figures["promises_made"] == 0
    assert 0.0 <= figures["agenda_progress_percent"] <= 100.0


def test_customers_managed_and_calls_in_a_period(report_db: Database) -> None:
    from datetime import datetime

    from totalfact_tui.services.actions import ActionForm, log_action

    with report_db.read() as session:
        two = session.scalars(select(Document.id).where(Document.folio == 2)).one()
    now = datetime(2026, 6, 20, 15, 0).astimezone()
    log_action(report_db, "ana", ActionForm((two,), "no_contesta"), date(2026, 6, 20), now=now)
    log_action(
        report_db,
        "ana",
        ActionForm((two,), "promesa_pago", promise_date=date(2026, 6, 28)),
        date(2026, 6, 20),
        now=now,
    )
    figures = reports.kpis(report_db, AS_OF)
    assert figures["customers_managed_percent"] == 100.0
    # Two calls, one reached the customer (the promise): 50 %.
    assert (figures["calls"], figures["right_party_contacts"]) == (2, 1)
    assert figures["right_party_contact_rate"] == 50.0
    assert figures["promises_made"] == 1 and figures["promised_amount"] == 214_200


def test_debtors_and_collector_production(report_db: Database, cli: object) -> None:
    import json
    from datetime import datetime

    from totalfact_tui.services.actions import ActionForm, log_action

    (top,) = reports.top_debtors(report_db, AS_OF)
    assert (top["open_balance"], top["overdue_balance"], top["open_invoices"]) == (
        671_200,
        314_200,
        3,
    )
    assert top["max_days_past_due"] == 51  # folio 1, due 10 May
    with report_db.read() as session:
        two = session.scalars(select(Document.id).where(Document.folio == 2)).one()
    log_action(
        report_db,
        "ana",
        ActionForm((two,), "promesa_pago", promise_date=date(2026, 7, 3)),
        date(2026, 6, 20),
        now=datetime(2026, 6, 20, 11, 0).astimezone(),
    )
    paid = payments.record_payment(
        report_db, "ana", PaymentForm((two,), 14_200, date(2026, 7, 1)), date(2026, 7, 5)
    )
    (ana,) = reports.collectors(report_db, date(2026, 6, 1), date(2026, 7, 31))
    # One call that reached the customer, one promise of folio 2's balance (214.200),
    # and folio 2 (worked in the period) was paid 14.200 on 1 July; folio 1's payments
    # do not count: ana did not work it in the period.
    assert (ana["actions"], ana["calls"], ana["right_party_contacts"]) == (1, 1, 1)
    assert (ana["promises"], ana["promised_amount"]) == (1, 214_200)
    assert ana["collected_on_worked_invoices"] == 14_200 and ana["customers_managed"] == 1
    url = report_db.engine.url.render_as_string(hide_password=False)
    shown = cli(
        "--db",
        url,
        "report",
        "collectors",
        "--from",
        "2026-06-01",
        "--to",
        "2026-07-31",
        "--format",
        "json",
    )  # type: ignore[operator]
    assert json.loads(shown.out)[0]["collected_on_worked_invoices"] == 14_200
    payments.reverse_payment(report_db, "ana", paid.payment_id, date(2026, 7, 6))
    (ana,) = reports.collectors(report_db, date(2026, 6, 1), date(2026, 7, 31))
    assert ana["collected_on_worked_invoices"] == 0  # a reversed payment collected nothing


def _folio(database: Database, folio: int) -> int:
    with database.read() as session:
        return session.scalars(select(Document.id).where(Document.folio == folio)).one()


def test_broken_promise_counts_in_promises_and_the_profile(report_db: Database) -> None:
    from datetime import datetime

    from totalfact_tui.services.actions import ActionForm, log_action
    from totalfact_tui.services.agenda import settle_day

    two = _folio(report_db, 2)
    log_action(
        report_db,
        "ana",
        ActionForm((two,), "promesa_pago", promise_date=date(2026, 6, 15)),
        date(2026, 6, 10),
        now=datetime(2026, 6, 10, 14, 0).astimezone(),
    )
    settle_day(report_db, AS_OF)  # 15 June + 1 grace day passed, nothing paid
    figures = reports.kpis(report_db, AS_OF)
    assert (figures["promises_made"], figures["promises_broken"]) == (1, 1)
    assert figures["promises_kept_rate"] == 0.0 and figures["promised_collected"] == 0

    profile = reports.customer_profile(report_db, _customer(report_db), AS_OF)
    # Payments up to 30 June: folio 4's 59.500 paid 1 March, due 4 Feb (25 days late);
    # folio 1's 19.000 paid 15 June, due 10 May (36 days late). The 3 July payment is
    # after the as-of day.
    habits = profile.habits
    assert (habits.payments, habits.paid_amount) == (2, 78_500)
    assert habits.average_days_late == pytest.approx((59_500 * 25 + 19_000 * 36) / 78_500)
    assert habits.on_time_percent == 0.0
    assert (habits.promises_kept, habits.promises_broken) == (0, 1)
    # Risk: days late 27.66/60 × 30 = 13.8; overdue 314.200/671.200 = 46.8 % × 25 = 11.7;
    # every judged promise broken: 20; no dispute: 0; oldest 51 days: 51/180 × 15 = 4.2.
    points = {factor.code: factor.points for factor in profile.risk.factors}
    assert points == {
        "days_late": 13.8,
        "overdue_share": 11.7,
        "broken_promises": 20.0,
        "open_disputes": 0.0,
        "oldest_overdue": 4.2,
    }
    assert profile.risk.score == 50 and profile.risk.band == "medium"
    # The three open invoices (not the ceded one), oldest due first; with only two paid
    # invoices in the history no payment date is predicted.
    assert [(i.folio, i.balance, i.days_past_due) for i in profile.invoices] == [
        (1, 100_000, 51),
        (2, 214_200, 11),
        (3, 357_000, 0),
    ]
    assert all(invoice.predicted_payment is None for invoice in profile.invoices)


def _customer(database: Database) -> int:
    with database.read() as session:
        return session.scalars(select(Document.customer_id).where(Document.folio == 1)).one()


def test_invoices_behind_each_figure_add_up(report_db: Database) -> None:
    figures = reports.kpis(report_db, AS_OF)
    for bucket, balance in figures["aging"].items():
        rows = reports.invoices_behind(report_db, AS_OF, bucket=bucket)
        assert sum(row["balance"] for row in rows) == balance, bucket
    overdue = reports.invoices_behind(report_db, AS_OF, bucket="overdue")
    assert [row["folio"] for row in overdue] == [1, 2]
    assert sum(row["balance"] for row in overdue) == figures["overdue_balance"]
    ceded = reports.invoices_behind(report_db, AS_OF, bucket="ceded")
    assert [(row["folio"], row["balance"]) for row in ceded] == [(5, 11_900)]
    everything = reports.invoices_behind(report_db, AS_OF, customer_id=_customer(report_db))
    assert sum(row["balance"] for row in everything) == figures["open_balance"]


def test_contact_hours_fold_into_local_time(report_db: Database) -> None:
    from datetime import UTC, datetime

    from totalfact_tui.services.actions import ActionForm, log_action

    two = _folio(report_db, 2)

    def call(result: str, moment: datetime, **extra: object) -> None:
        form = ActionForm((two,), result, **extra)  # type: ignore[arg-type]
        log_action(report_db, "ana", form, moment.date(), now=moment)

    # Santiago is UTC-4 in June. Monday 22 June 13:30 and 13:45 UTC = 09:30 and 09:45.
    call("no_contesta", datetime(2026, 6, 22, 13, 30, tzinfo=UTC))
    call(
        "promesa_pago",
        datetime(2026, 6, 22, 13, 45, tzinfo=UTC),
        promise_date=date(2026, 6, 29),
    )
    # Tuesday 23 June 03:30 UTC is still Monday 23:30 in Santiago.
    call("no_contesta", datetime(2026, 6, 23, 3, 30, tzinfo=UTC))
    cells = reports.contact_hours(report_db, date(2026, 6, 1), date(2026, 6, 30))
    assert [(c.weekday, c.hour, c.calls, c.right_party_contacts) for c in cells] == [
        (0, 9, 2, 1),
        (0, 23, 1, 0),
    ]
    assert cells[0].rate == 50.0
    # In UTC the same calls fall on Monday 13:00 and Tuesday 03:00.
    in_utc = reports.contact_hours(report_db, date(2026, 6, 1), date(2026, 6, 30), "UTC")
    assert [(c.weekday, c.hour) for c in in_utc] == [(0, 13), (1, 3)]


def test_trends_end_each_month(report_db: Database) -> None:
    months = reports.trends(report_db, AS_OF, months=3)
    assert [m["month"] for m in months] == ["2026-04", "2026-05", "2026-06"]
    assert [m["as_of"] for m in months] == [date(2026, 4, 30), date(2026, 5, 31), AS_OF]
    # 31 May: folio 1 (119.000, due 10 May: overdue) and folio 2 (238.000, current).
    assert months[1]["open_balance"] == 357_000
    assert months[1]["overdue_percent"] == pytest.approx(119_000 / 357_000 * 100)
    assert months[2]["open_balance"] == 671_200
    assert months[2]["dso"] == pytest.approx(reports.kpis(report_db, AS_OF)["dso"])


def test_large_amounts_do_not_overflow_as_of_a_past_day(report_db: Database) -> None:
    # 2.000 million pesos, 80 days old on 30 June: balance × age is far beyond a 32-bit
    # integer (PostgreSQL refused it before the balance was a BIGINT).
    big = Doc(7, issue_date=date(2026, 4, 11), due_date=date(2026, 5, 11), net=2_000_000_000)
    ingest_bytes(report_db, "big.xml", envelope(big), IngestSettings(today=date(2026, 7, 5)))
    past = reports.kpis(report_db, AS_OF)  # a payment is dated 3 July: recomputed
    assert past["open_balance"] == 671_200 + 2_380_000_000
    expected_age = (100_000 * 81 + 214_200 * 41 + 357_000 * 20 + 2_380_000_000 * 80) / (
        671_200 + 2_380_000_000
    )
    assert past["average_debt_age"] == pytest.approx(expected_age)


def test_hourly_counters_follow_every_action(report_db: Database) -> None:
    """Actions logged through the services are counted in their UTC hour, in the same
    transaction; a rebuild from the actions gives the same counters."""
    from datetime import datetime

    from sqlalchemy import func

    from totalfact_tui.db import action_counts
    from totalfact_tui.db.models import ActionCount
    from totalfact_tui.services.actions import ActionForm, log_action

    with report_db.read() as session:
        two = session.scalars(select(Document.id).where(Document.folio == 2)).one()
    for minute in (5, 50):
        log_action(
            report_db,
            "ana",
            ActionForm((two,), "no_contesta"),
            date(2026, 6, 22),
            now=datetime(2026, 6, 22, 14, minute, tzinfo=UTC),
        )

    def counters() -> dict[tuple[object, ...], int]:
        with report_db.read() as session:
            return {
                (hour.astimezone(UTC), user, channel, code): n
                for hour, user, channel, code, n in session.execute(
                    select(
                        ActionCount.hour,
                        ActionCount.user_id,
                        ActionCount.channel,
                        ActionCount.result_code,
                        ActionCount.actions,
                    )
                )
            }

    kept = counters()
    at_two = [
        n for (hour, *_rest), n in kept.items() if hour == datetime(2026, 6, 22, 14, tzinfo=UTC)
    ]
    assert at_two == [2]
    with report_db.write() as session:
        action_counts.rebuild(session.connection())
        assert session.scalar(select(func.count()).select_from(ActionCount)) == len(kept)
    assert counters() == kept


def test_the_detail_header_weighs_days_late_by_the_amounts_paid(report_db: Database) -> None:
    """The detail's "days late": each confirmed payment's part of an invoice, weighted by
    its amount. Folio 1: 19.000 paid 15 June and 100.000 paid 3 July, due 10 May (36
    and 54 days); folio 4: 59.500 paid 1 March, due 4 February (25 days)."""
    from totalfact_tui.services.invoice_view import load_invoice_view

    # A payment the customer announced, not yet confirmed, counts for nothing.
    folio_2 = _folio(report_db, 2)
    payments.record_payment(
        report_db,
        "ana",
        PaymentForm((folio_2,), 50_000, date(2026, 6, 29), to_confirm=True),
        date(2026, 6, 30),
    )
    view = load_invoice_view(report_db, folio_2, AS_OF, None)
    assert len(view.to_confirm) == 1
    paid = 19_000 + 100_000 + 59_500
    expected = (19_000 * 36 + 100_000 * 54 + 59_500 * 25) / paid
    assert view.customer.average_days_late == round(expected) == 42
