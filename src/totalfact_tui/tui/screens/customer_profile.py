"""A customer's payment profile: how they pay, a risk score that says where each point
comes from, and a predicted payment date for each open invoice (docs/kpis.md)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable

from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.widgets.footer import Footer
from totalfact_tui.tui.widgets.plain import Label, Static, TextTable

if TYPE_CHECKING:
    from totalfact_tui.services.reports import CustomerProfile
    from totalfact_tui.tui.app import TotalfactApp

#: Behaviour lines: (metric, how it is shown).
BEHAVIOUR = (
    ("open_balance", "money"),
    ("overdue_balance", "money"),
    ("payments", "int"),
    ("paid_amount", "money"),
    ("average_days_late", "days"),
    ("on_time_percent", "percent"),
    ("promises_kept", "int"),
    ("promises_broken", "int"),
    ("promises_open", "int"),
    ("disputes", "int"),
    ("open_disputes", "int"),
)


class CustomerProfileScreen(Screen[None]):
    CSS_PATH = "report.tcss"
    BINDINGS = [
        Binding("r", "refresh", t("key.refresh"), show=False, id="profile.refresh"),
        Binding("escape", "back", t("key.back"), id="profile.back"),
    ]

    def __init__(self, customer_id: int, day: date) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.day = day

    @property
    def tui(self) -> TotalfactApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(t("report.loading"), id="profile-top", classes="title-bar")
        yield Static("", id="profile-risk")
        with Horizontal(id="profile-body"):
            with Vertical(id="profile-left"):
                yield Label(t("report.title.profile"), classes="section")
                yield TextTable(id="profile-behaviour", cursor_type="none")
            with Vertical(id="profile-right"):
                yield Label(t("report.title.risk"), classes="section")
                yield TextTable(id="profile-factors", cursor_type="none")
        yield Label(t("report.title.predicted"), classes="section")
        yield TextTable(id="profile-invoices", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        behaviour = self.query_one("#profile-behaviour", DataTable)
        behaviour.add_columns(t("report.col.metric"), t("report.col.value"))
        factors = self.query_one("#profile-factors", DataTable)
        factors.add_columns(t("report.col.factor"), t("report.col.value"), t("report.col.points"))
        invoices = self.query_one("#profile-invoices", DataTable)
        for label in (
            "agenda.col.document",
            "report.col.due_date",
            "report.col.days_past_due",
            "report.col.balance",
            "report.col.state",
            "report.col.promise_date",
            "report.col.predicted",
        ):
            invoices.add_column(t(label))
        invoices.focus()
        self.load()

    @work(thread=True, exclusive=True, group="profile")
    def load(self) -> None:
        from totalfact_tui.services.reports import customer_profile

        context = self.tui.context
        if context is None:
            return
        try:
            profile = customer_profile(context.database, self.customer_id, self.day)
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)
            return
        self.app.call_from_thread(self._show, profile)

    def _show(self, profile: CustomerProfile) -> None:
        from totalfact_tui.domain.rut import format_rut

        self.query_one("#profile-top", Static).update(
            t(
                "profile.header",
                name=profile.name,
                rut=format_rut(profile.rut),
                day=fmt.day(profile.day),
            )
        )
        risk = profile.risk
        self.query_one("#profile-risk", Static).update(
            t("profile.risk", score=risk.score, band=t(f"risk.band.{risk.band}"))
        )
        self.query_one("#profile-risk", Static).set_classes(f"risk-{risk.band}")
        values = {
            "open_balance": profile.balances["open_balance"],
            "overdue_balance": profile.balances["overdue_balance"],
            "payments": profile.habits.payments,
            "paid_amount": profile.habits.paid_amount,
            "average_days_late": profile.habits.average_days_late,
            "on_time_percent": profile.habits.on_time_percent,
            "promises_kept": profile.habits.promises_kept,
            "promises_broken": profile.habits.promises_broken,
            "promises_open": profile.habits.promises_open,
            "disputes": profile.habits.disputes,
            "open_disputes": profile.habits.open_disputes,
        }
        behaviour = self.query_one("#profile-behaviour", DataTable)
        behaviour.clear()
        for metric, kind in BEHAVIOUR:
            value = values[metric]
            shown = (
                fmt.money(int(value))
                if kind == "money"
                else f"{value:.1f} %"
                if kind == "percent"
                else f"{value:.1f}"
                if kind == "days"
                else str(value)
            )
            behaviour.add_row(t(f"kpi.{metric}"), shown)
        factors = self.query_one("#profile-factors", DataTable)
        factors.clear()
        for factor in risk.factors:
            factors.add_row(
                t(f"risk.factor.{factor.code}"),
                f"{factor.value:.1f}",
                f"{factor.points:.1f} / {factor.max_points}",
            )
        invoices = self.query_one("#profile-invoices", DataTable)
        invoices.clear()
        for invoice in profile.invoices:
            invoices.add_row(
                fmt.document(invoice.dte_type, invoice.folio),
                fmt.day(invoice.due_date),
                str(invoice.days_past_due),
                fmt.money(invoice.balance),
                fmt.state(invoice.state),
                fmt.day(invoice.promise_date),
                fmt.day(invoice.predicted_payment) or t("profile.no_prediction"),
                key=str(invoice.document_id),
            )

    @on(DataTable.RowSelected, "#profile-invoices")
    def _open(self, event: DataTable.RowSelected) -> None:
        from totalfact_tui.tui.screens.detail import show_detail

        key = event.row_key.value
        if key:
            show_detail(self.tui, int(key), self.day)

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)
