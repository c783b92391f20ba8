"""The invoices behind a report figure (a bucket, a collector, a debtor): Enter opens
one in the detail screen, ``c`` its customer's profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.widgets.footer import Footer
from totalfact_tui.tui.widgets.plain import Static, TextTable

if TYPE_CHECKING:
    from totalfact_tui.tui.app import TotalfactApp


@dataclass(frozen=True)
class InvoiceQuery:
    day: date
    title: str  # what the list is behind, as the report showed it
    bucket: str | None = None
    collector_id: int | None = None
    customer_id: int | None = None


class InvoiceListScreen(Screen[None]):
    CSS_PATH = "report.tcss"
    BINDINGS = [
        Binding("c", "profile", t("key.profile"), id="invoice_list.profile"),
        Binding("escape", "back", t("key.back"), id="invoice_list.back"),
    ]

    def __init__(self, query: InvoiceQuery) -> None:
        super().__init__()
        self.query_spec = query
        self.rows: dict[str, dict[str, Any]] = {}

    @property
    def tui(self) -> TotalfactApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(
            t("report.list.title", what=self.query_spec.title, day=fmt.day(self.query_spec.day)),
            id="list-top",
            classes="title-bar",
        )
        yield TextTable(id="invoice-list", cursor_type="row")
        yield Static("", id="list-total", classes="muted")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#invoice-list", DataTable)
        for key, label in _COLUMNS:
            table.add_column(t(label), key=key)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="invoice-list")
    def load(self) -> None:
        from totalfact_tui.services.reports import invoices_behind

        context = self.tui.context
        if context is None:
            return
        spec = self.query_spec
        try:
            rows = invoices_behind(
                context.database,
                spec.day,
                bucket=spec.bucket,
                collector_id=spec.collector_id,
                customer_id=spec.customer_id,
            )
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)
            return
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows: list[dict[str, Any]]) -> None:
        table = self.query_one("#invoice-list", DataTable)
        table.clear()
        self.rows = {}
        for row in rows:
            key = str(row["document_id"])
            self.rows[key] = row
            table.add_row(
                fmt.document(row["dte_type"], row["folio"]),
                row["customer_name"],
                fmt.day(row["due_date"]),
                str(row["days_past_due"]),
                fmt.money(row["balance"]),
                fmt.state(row["state"]),
                fmt.day(row["promise_date"]),
                key=key,
            )
        total = sum(row["balance"] for row in rows)
        self.query_one("#list-total", Static).update(
            t("report.list.total", count=len(rows), total=fmt.money(total))
        )

    def _current(self) -> dict[str, Any] | None:
        table = self.query_one("#invoice-list", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(key or "")

    @on(DataTable.RowSelected, "#invoice-list")
    def _open(self, event: DataTable.RowSelected) -> None:
        from totalfact_tui.tui.screens.detail import show_detail

        key = event.row_key.value
        if key:
            show_detail(self.tui, int(key), self.query_spec.day)

    def action_profile(self) -> None:
        from totalfact_tui.tui.screens.customer_profile import CustomerProfileScreen

        row = self._current()
        if row is not None:
            self.app.push_screen(CustomerProfileScreen(row["customer_id"], self.query_spec.day))

    def action_back(self) -> None:
        self.dismiss(None)


_COLUMNS = (
    ("document", "agenda.col.document"),
    ("customer", "agenda.col.customer"),
    ("due_date", "report.col.due_date"),
    ("days_past_due", "report.col.days_past_due"),
    ("balance", "report.col.balance"),
    ("state", "report.col.state"),
    ("promise_date", "report.col.promise_date"),
)
