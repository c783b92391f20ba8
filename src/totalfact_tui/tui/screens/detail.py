"""The invoice detail: customer, open invoices, contacts and history, and every action
of a call a key away. Reads and writes run in workers; the screen never waits."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from totalfact_tui.domain.journey import OPEN_STATES
from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt

if TYPE_CHECKING:
    from totalfact_tui.domain.agenda import AgendaRow
    from totalfact_tui.services.actions import LoggedAction
    from totalfact_tui.services.contacts import ContactView
    from totalfact_tui.services.invoice_view import HistoryItem, InvoiceView
    from totalfact_tui.tui.app import TotalfactApp
    from totalfact_tui.tui.context import TuiContext


class DetailScreen(Screen[bool]):
    """Dismisses with True when an action was logged (the agenda then moves on)."""

    CSS_PATH = "detail.tcss"
    BINDINGS = [
        Binding("l", "log_call", t("key.log_call"), id="detail.log_call"),
        Binding("n", "note", t("key.note"), id="detail.note"),
        Binding("a", "add_contact", t("key.add_contact"), id="detail.add_contact"),
        Binding("e", "edit_contact", t("key.edit_contact"), id="detail.edit_contact"),
        Binding("space", "toggle_invoice", t("key.select"), id="detail.select"),
        Binding("r", "refresh", t("key.refresh"), id="detail.refresh"),
        Binding("escape", "back", t("key.back"), id="detail.back"),
    ]

    def __init__(self, document_id: int, day: date) -> None:
        super().__init__()
        self.document_id = document_id
        self.day = day
        self.view: InvoiceView | None = None
        self.selected: set[int] = {document_id}
        self.logged = False

    def compose(self) -> ComposeResult:
        yield Static(t("detail.loading"), id="customer-header", classes="title-bar")
        yield Static("", id="customer-summary")
        with Horizontal(id="detail-body"):
            with Vertical(id="detail-left"):
                yield Label(t("detail.invoices"), classes="section")
                yield DataTable(id="invoices", cursor_type="row")
                yield Label(t("detail.contacts"), classes="section")
                yield DataTable(id="contacts", cursor_type="row")
            with Vertical(id="detail-right"):
                yield Label(t("detail.history"), classes="section")
                yield DataTable(id="history", cursor_type="row")
        yield Footer()

    @property
    def tui(self) -> TotalfactApp:
        return self.app  # type: ignore[return-value]

    @property
    def context(self) -> TuiContext:
        context = self.tui.context
        assert context is not None
        return context

    def on_mount(self) -> None:
        for selector, columns in _COLUMNS.items():
            table = self.query_one(selector, DataTable)
            for key, label, width in columns:
                table.add_column(t(label), key=key, width=width)
        invoices = self.query_one("#invoices", DataTable)
        invoices.focus()
        self.load()

    # -- loading ------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="detail")
    def load(self) -> None:
        from totalfact_tui.services.invoice_view import load_invoice_view
        from totalfact_tui.services.notes import mark_read

        context = self.context
        try:
            view = load_invoice_view(
                context.database,
                self.document_id,
                self.day,
                context.viewer.user_id,
                context.settings.lang,
            )
            mark_read(context.database, context.viewer.user_id, self.document_id)
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)
            return
        self.app.call_from_thread(self._show, view)

    def _show(self, view: InvoiceView) -> None:
        self.view = view
        customer = view.customer
        self.query_one("#customer-header", Static).update(
            t(
                "detail.header",
                name=customer.name,
                rut=customer.rut,
                segment=customer.segment or "-",
                collector=customer.collector or "-",
            )
        )
        late = (
            t("detail.days_late", days=customer.average_days_late)
            if customer.average_days_late is not None
            else t("detail.no_payments")
        )
        self.query_one("#customer-summary", Static).update(
            t(
                "detail.summary",
                open=fmt.money(customer.open_balance),
                overdue=fmt.money(customer.overdue_balance),
                late=late,
                kept=customer.promises_kept,
                broken=customer.promises_broken,
            )
        )
        open_ids = {row.document_id for row in [view.invoice, *view.others]}
        self.selected &= open_ids | {view.invoice.document_id}
        self._fill_invoices([view.invoice, *view.others])
        self._fill_contacts(view.contacts)
        self._fill_history(view.history)

    def _fill_invoices(self, rows: list[AgendaRow]) -> None:
        table = self.query_one("#invoices", DataTable)
        current = table.cursor_row
        table.clear()
        for row in rows:
            table.add_row(
                "✓" if row.document_id in self.selected else "",
                fmt.document(row.dte_type, row.folio),
                fmt.day(row.due_date),
                str(row.days_overdue),
                Text(fmt.money(row.balance), justify="right"),
                fmt.state(row.state) + (" ⚠" if row.promise_broken else ""),
                key=str(row.document_id),
            )
        if table.row_count:
            table.move_cursor(row=min(current, table.row_count - 1))

    def _fill_contacts(self, contacts: list[ContactView]) -> None:
        table = self.query_one("#contacts", DataTable)
        table.clear()
        for contact in contacts:
            phone = " / ".join(p for p in (contact.phone, contact.mobile) if p)
            table.add_row(
                contact.name, contact.role or "", phone, contact.email or "", key=str(contact.id)
            )

    def _fill_history(self, items: list[HistoryItem]) -> None:
        table = self.query_one("#history", DataTable)
        table.clear()
        for index, item in enumerate(items):
            table.add_row(
                fmt.moment(item.at), str(item.folio or ""), describe(item), key=f"h{index}"
            )

    # -- selection ----------------------------------------------------------------------
    def selected_rows(self) -> list[AgendaRow]:
        if self.view is None:
            return []
        rows = [self.view.invoice, *self.view.others]
        return [row for row in rows if row.document_id in self.selected]

    def action_toggle_invoice(self) -> None:
        table = self.query_one("#invoices", DataTable)
        if self.view is None or table.row_count == 0:
            return
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        document_id = int(row_key.value or 0)
        if document_id in self.selected and len(self.selected) > 1:
            self.selected.discard(document_id)
        else:
            self.selected.add(document_id)
        self._fill_invoices([self.view.invoice, *self.view.others])

    def current_contact(self) -> ContactView | None:
        table = self.query_one("#contacts", DataTable)
        if self.view is None or table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return next((c for c in self.view.contacts if str(c.id) == row_key.value), None)

    # -- actions ------------------------------------------------------------------------
    def action_log_call(self) -> None:
        from totalfact_tui.tui.modals.log_call import LogCallModal

        rows = self.selected_rows()
        if self.view is None or not rows:
            return
        closed = [row for row in rows if row.state not in OPEN_STATES or row.ceded]
        if closed:
            row = closed[0]
            self.notify(
                t(
                    "action.refused",
                    folio=row.folio,
                    state=fmt.state(row.state) if not row.ceded else t("state.cedida"),
                ),
                severity="warning",
            )
            return
        self.app.push_screen(
            LogCallModal(rows, self.view.contacts, self.context), callback=self._logged
        )

    def _logged(self, logged: LoggedAction | None) -> None:
        if logged is None:
            return
        self.logged = True
        self.notify(t("detail.logged", next=fmt.day(logged.next_action_date)))
        if self.context.settings.close_detail_after_log:
            self.dismiss(True)
        else:
            self.load()

    def action_note(self) -> None:
        from totalfact_tui.tui.modals.note_form import NoteModal

        if self.view is None:
            return
        self.app.push_screen(
            NoteModal(self.document_id, self.context),
            callback=self._reload_if,
        )

    def action_add_contact(self) -> None:
        from totalfact_tui.tui.modals.contact_form import ContactModal

        if self.view is None:
            return
        self.app.push_screen(
            ContactModal(self.view.customer.id, None, self.context),
            callback=self._reload_if,
        )

    def action_edit_contact(self) -> None:
        from totalfact_tui.tui.modals.contact_form import ContactModal

        contact = self.current_contact()
        if self.view is None or contact is None:
            return
        self.app.push_screen(
            ContactModal(self.view.customer.id, contact, self.context),
            callback=self._reload_if,
        )

    def action_refresh(self) -> None:
        self.load()

    def _reload_if(self, saved: bool | None) -> None:
        if saved:
            self.load()

    def action_back(self) -> None:
        self.dismiss(self.logged)

    @on(DataTable.RowSelected, "#invoices")
    def _invoice_chosen(self) -> None:
        self.action_toggle_invoice()


#: Each table's columns: key, message key of the header, width.
_COLUMNS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "#invoices": (
        ("mark", "detail.col.mark", 2),
        ("document", "agenda.col.document", 10),
        ("due", "agenda.col.due", 10),
        ("days", "agenda.col.days", 5),
        ("balance", "agenda.col.balance", 13),
        ("state", "agenda.col.state", 12),
    ),
    "#contacts": (
        ("name", "contact.name", 20),
        ("role", "contact.role", 14),
        ("phone", "contact.phone", 15),
        ("email", "contact.email", 26),
    ),
    "#history": (
        ("when", "detail.col.when", 16),
        ("folio", "agenda.col.document", 8),
        ("what", "detail.col.what", 60),
    ),
}


def describe(item: HistoryItem) -> str:
    """One history line, in the interface's language."""
    data: dict[str, Any] = item.data
    if item.kind == "action":
        text = t("history.action", result=data["result"], user=data["user"])
        if data.get("reason"):
            text += f" · {data['reason']}"
        if data.get("contact"):
            text += " · " + t("history.with", contact=data["contact"])
        if data.get("comment"):
            text += f" · «{data['comment']}»"
        return text
    if item.kind == "promise":
        return t(
            "history.promise",
            amount=fmt.money(data["amount"]),
            date=fmt.day(data["date"]),
            status=t(f"promise.{data['status']}"),
        )
    if item.kind == "payment":
        return t(
            "history.payment",
            amount=fmt.money(data["amount"]),
            method=t(f"payment.{data['method']}"),
        )
    if item.kind == "note":
        area = f" → {data['area']}" if data.get("area") else ""
        return t("history.note", user=data["user"], body=data["body"]) + area
    if item.kind == "task":
        return t("history.task", description=data["description"], due=fmt.day(data["due"]))
    event = str(data.get("event", ""))
    if event == "state_changed":
        return t("history.state", state=fmt.state(data.get("to")))
    return t(f"history.event.{event}")
