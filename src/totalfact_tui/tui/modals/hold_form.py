"""Put the customer or the selected invoices on hold until a date (they come back by
themselves that day)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, RadioButton, RadioSet

from totalfact_tui.domain.errors import InvalidValue
from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.modals.form import FormModal
from totalfact_tui.tui.widgets.plain import Label, Static

if TYPE_CHECKING:
    from totalfact_tui.domain.agenda import AgendaRow
    from totalfact_tui.tui.context import TuiContext


class HoldModal(FormModal):
    """The rows are held one by one, or (``allow_customer``) their whole customer."""

    def __init__(
        self, rows: list[AgendaRow], context: TuiContext, *, allow_customer: bool = True
    ) -> None:
        super().__init__(context)
        self.rows = rows
        self.allow_customer = allow_customer

    def compose(self) -> ComposeResult:
        folios = ", ".join(fmt.document(r.dte_type, r.folio) for r in self.rows[:6])
        if len(self.rows) > 6:
            folios += " …"
        with VerticalScroll(classes="dialog"):
            yield Label(t("hold.title"), classes="dialog-title")
            with RadioSet(id="hold-target", compact=True):
                yield RadioButton(t("hold.invoices", folios=folios), value=True, id="hold-invoices")
                if self.allow_customer:
                    yield RadioButton(
                        t("hold.customer", customer=self.rows[0].customer_name),
                        id="hold-customer",
                    )
            yield Label(t("hold.until"), classes="field-label")
            yield Input(placeholder="dd-mm-aaaa · +N", id="hold-until", compact=True)
            yield Label(t("hold.reason"), classes="field-label")
            yield Input(id="hold-reason", compact=True)
            yield Static(t("form.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#hold-until", Input).focus()

    def service_call(self) -> Callable[[], object]:
        from totalfact_tui.services.holds import add_hold

        today = self.context.settings.current_day()
        until_text = self.query_one("#hold-until", Input).value
        until = fmt.parse_day(until_text, today)
        reason = self.query_one("#hold-reason", Input).value
        whole_customer = self.allow_customer and self.query_one("#hold-customer", RadioButton).value
        context = self.context
        customer_id = self.rows[0].customer_id if whole_customer else None
        document_ids = () if whole_customer else tuple(r.document_id for r in self.rows)

        def call() -> object:
            if until is None:
                raise InvalidValue("error.bad_date", value=until_text)
            return add_hold(
                context.database,
                context.viewer.username,
                until=until,
                reason=reason,
                today=today,
                customer_id=customer_id,
                document_ids=document_ids,
            )

        return call
