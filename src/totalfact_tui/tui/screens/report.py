"""The manager's report (docs/kpis.md): headline cards, aging, collector production,
top debtors, the best hours to call and 12-month trends. Every figure loads in a
worker; Enter on a bucket, a collector or a debtor opens the invoices behind it.
Collectors see their own figures only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.modals.report_period import ReportPeriod
from totalfact_tui.tui.widgets.footer import Footer
from totalfact_tui.tui.widgets.plain import Static, TextTable

if TYPE_CHECKING:
    from totalfact_tui.services.reports import ContactCell, ScreenFigures
    from totalfact_tui.tui.app import TotalfactApp
    from totalfact_tui.tui.context import TuiContext

#: The headline cards: (metric, how it is shown).
CARDS = (
    ("open_balance", "money"),
    ("overdue_percent", "percent"),
    ("dso", "days"),
    ("cei", "percent"),
    ("customers_managed_percent", "percent"),
    ("right_party_contact_rate", "percent"),
    ("promises_kept_rate", "percent"),
    ("disputed_balance", "money"),
)
BUCKET_ROWS = ("current", "1_30", "31_60", "61_90", "91_180", "over_180")
TABS = ("tab-aging", "tab-collectors", "tab-debtors", "tab-hours", "tab-trends")


class ReportScreen(Screen[None]):
    CSS_PATH = "report.tcss"
    BINDINGS = [
        Binding("f", "period", t("key.report_period"), id="report.period"),
        Binding("r", "refresh", t("key.refresh"), id="report.refresh"),
        Binding("c", "profile", t("key.profile"), id="report.profile"),
        *(
            Binding(str(number), f"tab('{tab}')", show=False, id=f"report.tab{number}")
            for number, tab in enumerate(TABS, start=1)
        ),
        Binding("escape", "back", t("key.back"), id="report.back"),
    ]

    def __init__(self, period: ReportPeriod) -> None:
        super().__init__()
        self.period = period
        self.figures: ScreenFigures | None = None

    @property
    def tui(self) -> TotalfactApp:
        return self.app  # type: ignore[return-value]

    @property
    def context(self) -> TuiContext:
        context = self.tui.context
        assert context is not None
        return context

    @property
    def collector_id(self) -> int | None:
        """Collectors see their own figures; managers and admins the team's."""
        viewer = self.context.viewer
        return None if viewer.supervises else viewer.user_id

    def compose(self) -> ComposeResult:
        yield Static(t("report.loading"), id="report-top", classes="title-bar")
        with Horizontal(id="report-cards"):
            for metric, _kind in CARDS:
                with Vertical(classes="card", id=f"card-{metric}"):
                    yield Static(t(f"report.card.{metric}"), classes="card-label")
                    yield Static("…", classes="card-value")
        with TabbedContent(id="report-tabs"):
            with TabPane(t("report.tab.aging"), id="tab-aging"):
                yield TextTable(id="aging", cursor_type="row")
            with TabPane(t("report.tab.collectors"), id="tab-collectors"):
                yield TextTable(id="collectors", cursor_type="row")
            with TabPane(t("report.tab.debtors"), id="tab-debtors"):
                yield TextTable(id="debtors", cursor_type="row")
            with TabPane(t("report.tab.hours"), id="tab-hours"), Horizontal():
                yield PlotextPlot(id="hours-chart")
                yield PlotextPlot(id="weekday-chart")
            with TabPane(t("report.tab.trends"), id="tab-trends"), Horizontal():
                yield PlotextPlot(id="trend-overdue")
                yield PlotextPlot(id="trend-dso")
        yield Footer()

    def on_mount(self) -> None:
        for selector, columns in _COLUMNS.items():
            table = self.query_one(selector, DataTable)
            for key, label in columns:
                table.add_column(t(label), key=key)
        self.load()

    # -- loading ------------------------------------------------------------------------
    def load(self) -> None:
        self._header()
        self.load_figures()
        self.load_trends()

    def _header(self, loading: bool = True) -> None:
        scope = (
            t("report.scope.team")
            if self.collector_id is None
            else t("report.scope.own", name=self.context.viewer.name)
        )
        text = t(
            "report.header",
            day=fmt.day(self.period.day),
            first=fmt.day(self.period.first),
            last=fmt.day(self.period.last),
            scope=scope,
        )
        if loading:
            text += " · " + t("report.loading")
        self.query_one("#report-top", Static).update(text)

    @work(thread=True, exclusive=True, group="report")
    def load_figures(self) -> None:
        from totalfact_tui.services.reports import screen_figures

        context, period = self.context, self.period
        try:
            figures = screen_figures(
                context.database,
                period.day,
                period.first,
                period.last,
                self.collector_id,
                context.settings.timezone,
            )
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)
            return
        self.app.call_from_thread(self._show, figures)

    @work(thread=True, exclusive=True, group="report-trends")
    def load_trends(self) -> None:
        from totalfact_tui.services.reports import trends

        try:
            months = trends(self.context.database, self.period.day, collector_id=self.collector_id)
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)
            return
        self.app.call_from_thread(self._show_trends, months)

    def _show(self, figures: ScreenFigures) -> None:
        self.figures = figures
        self._header(loading=False)
        values = figures.kpis
        for metric, kind in CARDS:
            card = self.query_one(f"#card-{metric} .card-value", Static)
            card.update(_shown(values[metric], kind))
        self._fill_aging(values)
        self._fill(
            "#collectors",
            [(str(row["user_id"]), row) for row in figures.collectors],
        )
        self._fill(
            "#debtors",
            [(str(row["customer_id"]), row) for row in figures.debtors],
        )
        self._chart_hours(figures.hours)

    def _fill_aging(self, values: dict[str, Any]) -> None:
        open_balance = values["open_balance"]
        rows = [
            (bucket, t(f"kpi.aging.{bucket}"), values["aging"][bucket]) for bucket in BUCKET_ROWS
        ]
        rows += [
            ("overdue", t("kpi.overdue_balance"), values["overdue_balance"]),
            ("disputed", t("kpi.disputed_balance"), values["disputed_balance"]),
            ("ceded", t("kpi.ceded_balance"), values["ceded_balance"]),
        ]
        table = self.query_one("#aging", DataTable)
        table.clear()
        for key, label, balance in rows:
            share = balance / open_balance * 100 if open_balance and key != "ceded" else None
            table.add_row(
                label,
                fmt.money(balance),
                f"{share:.1f} %" if share is not None else "",
                key=key,
            )

    def _fill(self, selector: str, rows: list[tuple[str, dict[str, Any]]]) -> None:
        table = self.query_one(selector, DataTable)
        table.clear()
        columns = _COLUMNS[selector]
        for key, row in rows:
            table.add_row(*(_cell(name, row[name]) for name, _label in columns), key=key)

    def _chart_hours(self, cells: list[ContactCell]) -> None:
        from totalfact_tui.services.reports import WEEKDAYS

        by_hour: dict[int, list[int]] = {}
        by_weekday: dict[int, list[int]] = {}
        for cell in cells:
            for totals, key in ((by_hour, cell.hour), (by_weekday, cell.weekday)):
                pair = totals.setdefault(key, [0, 0])
                pair[0] += cell.calls
                pair[1] += cell.right_party_contacts
        hours = sorted(by_hour)
        self._bars(
            "#hours-chart",
            [f"{hour:02d}" for hour in hours],
            [_rate(*by_hour[hour]) for hour in hours],
            t("report.chart.by_hour"),
        )
        days = sorted(by_weekday)
        self._bars(
            "#weekday-chart",
            [t(f"weekday.{WEEKDAYS[day]}") for day in days],
            [_rate(*by_weekday[day]) for day in days],
            t("report.chart.by_weekday"),
        )

    def _bars(self, selector: str, labels: list[str], values: list[float], title: str) -> None:
        chart = self.query_one(selector, PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        if labels:
            plt.bar(labels, values)
        plt.title(title)
        plt.ylim(0, 100)
        chart.refresh()

    def _show_trends(self, months: list[dict[str, Any]]) -> None:
        labels = [month["month"][2:] for month in months]  # "26-11"
        for selector, key, title in (
            ("#trend-overdue", "overdue_percent", t("report.chart.overdue_trend")),
            ("#trend-dso", "dso", t("report.chart.dso_trend")),
        ):
            chart = self.query_one(selector, PlotextPlot)
            plt = chart.plt
            plt.clear_data()
            plt.clear_figure()
            positions = [float(number) for number in range(1, len(months) + 1)]
            plt.plot(positions, [round(month[key], 1) for month in months], marker="braille")
            plt.xticks(positions, labels)
            plt.title(title)
            chart.refresh()

    # -- keys ---------------------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        pane = self.query_one(f"#{tab}", TabPane)
        tables = pane.query(DataTable)
        if tables:
            tables.first().focus()

    def action_period(self) -> None:
        from totalfact_tui.tui.modals.report_period import ReportPeriodModal

        def chosen(period: ReportPeriod | None) -> None:
            if period is not None:
                self.period = period
                self.load()

        today = self.context.settings.current_day()
        self.app.push_screen(ReportPeriodModal(self.period, today), callback=chosen)

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_profile(self) -> None:
        """The customer profile of the debtor under the cursor."""
        from totalfact_tui.tui.screens.customer_profile import CustomerProfileScreen

        table = self.query_one("#debtors", DataTable)
        if self.query_one(TabbedContent).active != "tab-debtors" or not table.row_count:
            self.notify(t("report.profile_hint"), timeout=4)
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key:
            self.app.push_screen(CustomerProfileScreen(int(key), self.period.day))

    @on(DataTable.RowSelected)
    def _drill_down(self, event: DataTable.RowSelected) -> None:
        from totalfact_tui.tui.screens.invoice_list import InvoiceListScreen, InvoiceQuery

        key = event.row_key.value or ""
        table_id = event.data_table.id
        label = str(event.data_table.get_row(event.row_key)[0])
        day = self.period.day
        mine = self.collector_id
        if table_id == "aging":
            query = InvoiceQuery(day, label, bucket=key, collector_id=mine)
        elif table_id == "collectors":
            query = InvoiceQuery(day, label, collector_id=int(key))
        elif table_id == "debtors":
            query = InvoiceQuery(day, label, customer_id=int(key), collector_id=mine)
        else:
            return
        self.app.push_screen(InvoiceListScreen(query))


_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "#aging": (
        ("bucket", "report.col.bucket"),
        ("balance", "report.col.balance"),
        ("share", "report.col.share"),
    ),
    "#collectors": (
        ("name", "report.col.collector"),
        ("actions", "report.col.actions"),
        ("calls", "report.col.calls"),
        ("right_party_contacts", "report.col.contacts"),
        ("promises", "report.col.promises"),
        ("promised_amount", "report.col.promised"),
        ("promises_kept", "report.col.kept"),
        ("collected_on_worked_invoices", "report.col.collected"),
        ("customers_managed", "report.col.customers"),
    ),
    "#debtors": (
        ("customer_name", "agenda.col.customer"),
        ("customer_rut", "agenda.col.rut"),
        ("open_balance", "report.col.open"),
        ("overdue_balance", "report.col.overdue"),
        ("open_invoices", "dunning.col.invoices"),
        ("max_days_past_due", "report.col.max_days"),
    ),
}
_MONEY = {"promised_amount", "collected_on_worked_invoices", "open_balance", "overdue_balance"}


def _cell(name: str, value: Any) -> str:
    if name in _MONEY:
        return fmt.money(int(value))
    if name == "customer_rut":
        from totalfact_tui.domain.rut import format_rut

        return format_rut(str(value))
    return str(value)


def _shown(value: Any, kind: str) -> str:
    if kind == "money":
        return fmt.money_short(int(value))
    if kind == "percent":
        return f"{value:.1f} %"
    return t("report.days", days=f"{value:.0f}")


def _rate(calls: int, reached: int) -> float:
    return round(reached / calls * 100, 1) if calls else 0.0
