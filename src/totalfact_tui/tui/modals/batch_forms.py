"""Forms for work on an agenda selection that may span customers: mark the invoices
paid in full, and queue one reminder email per customer listing its invoices. Each
saves in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input

from totalfact_tui.domain.errors import InvalidValue
from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.modals.choices import method_select, template_select
from totalfact_tui.tui.modals.form import FormModal
from totalfact_tui.tui.widgets.plain import Label, Select, Static

if TYPE_CHECKING:
    from totalfact_tui.domain.agenda import AgendaRow
    from totalfact_tui.tui.context import TuiContext


def _summary(rows: list[AgendaRow]) -> str:
    customers = {row.customer_id for row in rows}
    return t(
        "batch.summary",
        count=len(rows),
        customers=len(customers),
        balance=fmt.money(sum(row.balance for row in rows)),
    )


class BatchPaidModal(FormModal):
    def __init__(self, rows: list[AgendaRow], context: TuiContext) -> None:
        super().__init__(context)
        self.rows = rows
        self.versions = {row.document_id: row.version for row in rows}

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(t("batch.paid_title"), classes="dialog-title")
            yield Static(_summary(self.rows), classes="hint")
            yield Label(t("payment.date"), classes="field-label")
            yield Input(fmt.day(self.context.settings.current_day()), id="paid-on", compact=True)
            yield Label(t("payment.method"), classes="field-label")
            yield method_select()
            yield Label(t("payment.reference"), classes="field-label")
            yield Input(id="reference", compact=True)
            yield Static(t("form.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#paid-on", Input).focus()

    def service_call(self) -> Callable[[], object]:
        from totalfact_tui.services.payments import pay_in_full

        today = self.context.settings.current_day()
        date_text = self.query_one("#paid-on", Input).value
        paid_on = fmt.parse_day(date_text, today)
        method = str(self.query_one("#method", Select).value)
        reference = self.query_one("#reference", Input).value
        context = self.context
        ids = tuple(row.document_id for row in self.rows)

        def call() -> object:
            if paid_on is None:
                raise InvalidValue("error.bad_date", value=date_text)
            return pay_in_full(
                context.database,
                context.viewer.username,
                ids,
                paid_on,
                today,
                method,
                reference,
                context.settings.lead_days,
            )

        return call


class BatchEmailModal(FormModal):
    def __init__(self, rows: list[AgendaRow], context: TuiContext) -> None:
        super().__init__(context)
        self.rows = rows
        self.skipped: list[str] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(t("batch.email_title"), classes="dialog-title")
            yield Static(_summary(self.rows), classes="hint")
            yield Label(t("email.template"), classes="field-label")
            yield template_select()
            yield Static(t("batch.email_hint"), classes="hint")
            yield Static(t("form.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#email-template", Select).focus()

    def service_call(self) -> Callable[[], object]:
        from totalfact_tui.services.messages import queue_for_selection

        kind = str(self.query_one("#email-template", Select).value)
        context = self.context
        ids = tuple(row.document_id for row in self.rows)

        def call() -> object:
            queued = queue_for_selection(
                context.database,
                context.viewer.username,
                kind,
                ids,
                context.settings.current_day(),
            )
            self.skipped = queued.skipped
            return queued

        return call
