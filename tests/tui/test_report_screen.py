"""The report screen (R from the agenda), its drill-down to invoices and the customer
profile, driven with Textual's pilot on the demo database."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable, Static

from tests.tui.conftest import TODAY, settle
from totalfact_tui.services import reports
from totalfact_tui.services.database import open_app_database
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.app import TotalfactApp
from totalfact_tui.tui.modals.report_period import ReportPeriodModal
from totalfact_tui.tui.screens.agenda import AgendaScreen
from totalfact_tui.tui.screens.customer_profile import CustomerProfileScreen
from totalfact_tui.tui.screens.detail import DetailScreen
from totalfact_tui.tui.screens.invoice_list import InvoiceListScreen
from totalfact_tui.tui.screens.report import ReportScreen

MakeApp = Callable[..., TotalfactApp]


def _card(app: TotalfactApp, metric: str) -> str:
    return str(app.screen.query_one(f"#card-{metric} .card-value", Static).render())


async def test_manager_sees_team_figures_and_drills_down(make_app: MakeApp, demo_url: str) -> None:
    database = open_app_database(demo_url)
    team = reports.kpis(database, TODAY)
    bucket_rows = reports.invoices_behind(database, TODAY, bucket="1_30")
    database.dispose()
    app = make_app(username="jefe")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        assert screen.collector_id is None
        # The headline card shows the team's open balance, formatted.
        assert _card(app, "open_balance") == fmt.money_short(team["open_balance"])
        aging = screen.query_one("#aging", DataTable)
        assert aging.row_count == 9  # six buckets, overdue, disputed, ceded
        # Enter on the 1-30 bucket lists the invoices behind it; they add up.
        aging.focus()
        aging.move_cursor(row=1)
        await pilot.press("enter")
        await settle(pilot)
        listing = app.screen
        assert isinstance(listing, InvoiceListScreen)
        table = listing.query_one("#invoice-list", DataTable)
        assert table.row_count == len(bucket_rows) > 0
        assert sum(row["balance"] for row in listing.rows.values()) == team["aging"]["1_30"]
        # Enter opens the invoice; c on the list opens its customer's profile.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("i")
        await settle(pilot)
        profile = app.screen
        assert isinstance(profile, CustomerProfileScreen)
        assert "/100" in str(profile.query_one("#profile-risk", Static).render())
        assert profile.query_one("#profile-invoices", DataTable).row_count > 0
        for _ in range(3):
            await pilot.press("escape")
            await settle(pilot)
        assert isinstance(app.screen, ReportScreen)


async def test_collector_sees_only_own_figures(make_app: MakeApp, demo_url: str) -> None:
    database = open_app_database(demo_url)
    from totalfact_tui.services.agenda import person

    me = person(database, "cperez")
    own = reports.kpis(database, TODAY, collector_id=me.user_id)
    team = reports.kpis(database, TODAY)
    database.dispose()
    assert own["open_balance"] < team["open_balance"]
    app = make_app(username="cperez")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportScreen) and screen.collector_id == me.user_id
        assert _card(app, "open_balance") == fmt.money_short(own["open_balance"])
        collectors = screen.query_one("#collectors", DataTable)
        assert collectors.row_count <= 1  # their own production only
        await pilot.press("3")  # debtors tab: customers of their own invoices
        await settle(pilot)
        debtors = screen.query_one("#debtors", DataTable)
        assert debtors.row_count > 0
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CustomerProfileScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)


async def test_period_can_be_changed_and_bad_dates_are_refused(make_app: MakeApp) -> None:
    app = make_app(username="jefe")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ReportPeriodModal)
        field = modal.query_one("#period-as-of")
        field.value = "31-02-2026"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReportPeriodModal)  # refused, nothing lost
        field.value = "31-10-2026"  # type: ignore[attr-defined]
        modal.query_one("#period-from").value = "01-10-2026"  # type: ignore[attr-defined]
        modal.query_one("#period-to").value = "31-10-2026"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        assert screen.period.day.isoformat() == "2026-10-31"
        assert "31-10-2026" in str(screen.query_one("#report-top", Static).render())
