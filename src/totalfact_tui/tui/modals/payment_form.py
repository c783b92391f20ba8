"""Record a payment of the selected invoices: amount (the balance by default), date,
method, reference; several invoices share one transfer, split oldest first (each part
editable); "the customer says it paid" records it to confirm."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Input

from totalfact_tui.domain.collection import Owed, split_oldest_first
from totalfact_tui.domain.errors import InvalidValue
from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.modals.choices import method_select
from totalfact_tui.tui.modals.form import FormModal
from totalfact_tui.tui.widgets.plain import Label, Select, Static

if TYPE_CHECKING:
    from totalfact_tui.domain.agenda import AgendaRow
    from totalfact_tui.tui.context import TuiContext


class PaymentModal(FormModal):
    def __init__(self, rows: list[AgendaRow], context: TuiContext) -> None:
        super().__init__(context)
        self.rows = sorted(rows, key=lambda r: (r.due_date or r.issue_date, r.folio))
        self.versions = {row.document_id: row.version for row in rows}
        self.split_edited = False
        self.filling = False

    def compose(self) -> ComposeResult:
        total = sum(row.balance for row in self.rows)
        today = self.context.settings.current_day()
        with VerticalScroll(classes="dialog"):
            yield Label(
                t("payment.title", customer=self.rows[0].customer_name), classes="dialog-title"
            )
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(t("payment.amount_label"), classes="field-label")
                    yield Input(str(total), id="amount", compact=True)
                with Vertical():
                    yield Label(t("payment.date"), classes="field-label")
                    yield Input(fmt.day(today), id="paid-on", compact=True)
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(t("payment.method"), classes="field-label")
                    yield method_select()
                with Vertical():
                    yield Label(t("payment.reference"), classes="field-label")
                    yield Input(id="reference", compact=True)
            yield Checkbox(t("payment.to_confirm"), id="to-confirm", compact=True)
            if len(self.rows) > 1:
                yield Label(t("payment.split"), classes="field-label")
                for row in self.rows:
                    with Horizontal(classes="row"):
                        yield Static(
                            t(
                                "payment.split_row",
                                document=fmt.document(row.dte_type, row.folio),
                                balance=fmt.money(row.balance),
                            ),
                            classes="split-label",
                        )
                        yield Input(id=f"part-{row.document_id}", compact=True, classes="part")
            yield Static(t("form.keys"), classes="hint")

    def on_mount(self) -> None:
        self._fill_split()
        self.query_one("#amount", Input).focus()

    def _fill_split(self) -> None:
        if len(self.rows) < 2 or self.split_edited:
            return
        amount = fmt.parse_amount(self.query_one("#amount", Input).value) or 0
        parts = split_oldest_first(
            amount, [Owed(r.document_id, r.due_date, r.balance) for r in self.rows]
        )
        self.filling = True
        for row in self.rows:
            self.query_one(f"#part-{row.document_id}", Input).value = str(
                parts.get(row.document_id, 0)
            )
        self.filling = False

    @on(Input.Changed, "#amount")
    def _amount_changed(self) -> None:
        self._fill_split()

    @on(Input.Changed, ".part")
    def _part_changed(self, event: Input.Changed) -> None:
        if not self.filling and event.input.has_focus:
            self.split_edited = True

    def service_call(self) -> Callable[[], object]:
        from totalfact_tui.services.payments import PaymentForm, record_payment

        today = self.context.settings.current_day()
        amount_text = self.query_one("#amount", Input).value
        amount = fmt.parse_amount(amount_text)
        date_text = self.query_one("#paid-on", Input).value
        paid_on = fmt.parse_day(date_text, today)
        method = self.query_one("#method", Select).value
        allocations = None
        if len(self.rows) > 1:
            allocations = {
                row.document_id: fmt.parse_amount(
                    self.query_one(f"#part-{row.document_id}", Input).value
                )
                or 0
                for row in self.rows
            }
        reference = self.query_one("#reference", Input).value
        to_confirm = self.query_one("#to-confirm", Checkbox).value
        context = self.context
        versions = self.versions

        def call() -> object:
            if amount is None:
                raise InvalidValue("payment.amount", value=amount_text)
            if paid_on is None:
                raise InvalidValue("error.bad_date", value=date_text)
            return record_payment(
                context.database,
                context.viewer.username,
                PaymentForm(
                    tuple(versions),
                    amount,
                    paid_on,
                    str(method),
                    reference,
                    allocations=allocations,
                    to_confirm=to_confirm,
                    versions=dict(versions),
                ),
                today,
                context.settings.lead_days,
            )

        return call
