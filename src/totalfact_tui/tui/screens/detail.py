"""The invoice detail: customer, open invoices, contacts and history, and every action
of a call a key away. Reads and writes run in workers; the screen never waits.

One detail screen is kept between invoices and refilled off screen (`show_detail`):
building it anew (compose, styles, layout) was most of the time to open an invoice, and
showing it before its data came meant laying it out twice. Resting on an agenda row
reads its invoice into the kept screen before Enter (`preview_detail`): Enter then only
shows it, and reads it again to confirm."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import date
from time import monotonic
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable

from totalfact_tui.domain.journey import OPEN_STATES
from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.widgets.agenda_table import flags
from totalfact_tui.tui.widgets.footer import Footer
from totalfact_tui.tui.widgets.plain import Label, Static, TextTable

if TYPE_CHECKING:
    from totalfact_tui.db.session import Database
    from totalfact_tui.domain.agenda import AgendaRow
    from totalfact_tui.services.actions import LoggedAction
    from totalfact_tui.services.contacts import ContactView
    from totalfact_tui.services.invoice_view import HistoryItem, InvoiceView
    from totalfact_tui.services.payments import PaymentView
    from totalfact_tui.tui.app import TotalfactApp
    from totalfact_tui.tui.context import TuiContext
    from totalfact_tui.tui.modals.item_actions import ItemAction


class DetailScreen(Screen[bool]):
    """Dismisses with True when an action was logged (the agenda then moves on)."""

    CSS_PATH = "detail.tcss"
    BINDINGS = [
        Binding("l", "log_call", t("key.log_call"), id="detail.log_call"),
        Binding("c", "call", t("key.call"), id="detail.call"),
        Binding("p", "payment", t("key.payment"), id="detail.payment"),
        Binding("P", "confirm_payment", t("key.confirm_payment"), id="detail.confirm_payment"),
        Binding(
            "x",
            "reverse_payment",
            t("key.reverse_payment"),
            show=False,
            id="detail.reverse_payment",
        ),
        Binding("d", "dispute", t("key.dispute"), id="detail.dispute"),
        Binding(
            "D",
            "resolve_dispute",
            t("key.resolve_dispute"),
            show=False,
            id="detail.resolve_dispute",
        ),
        Binding("h", "hold", t("key.hold"), id="detail.hold"),
        Binding("H", "lift_hold", t("key.lift_hold"), show=False, id="detail.lift_hold"),
        Binding("k", "task", t("key.task"), id="detail.task"),
        Binding(
            "K", "complete_task", t("key.complete_task"), show=False, id="detail.complete_task"
        ),
        Binding("m", "email", t("key.email"), id="detail.email"),
        Binding("w", "whatsapp", t("key.whatsapp"), id="detail.whatsapp"),
        Binding("y", "copy", t("key.copy"), show=False, id="detail.copy"),
        Binding("n", "note", t("key.note"), id="detail.note"),
        Binding("i", "profile", t("key.profile"), id="detail.profile"),
        Binding("a", "add_contact", t("key.add_contact"), show=False, id="detail.add_contact"),
        Binding("e", "edit_contact", t("key.edit_contact"), show=False, id="detail.edit_contact"),
        Binding("space", "toggle_invoice", t("key.select"), id="detail.select"),
        Binding("r", "refresh", t("key.refresh"), show=False, id="detail.refresh"),
        Binding("escape", "back", t("key.back"), id="detail.back"),
    ]

    def __init__(self, document_id: int, day: date) -> None:
        super().__init__()
        self.document_id = document_id
        self.day = day
        self.view: InvoiceView | None = None
        self.selected: set[int] = {document_id}
        self.logged = False
        #: The call in progress: contact and when it started (monotonic clock).
        self.call: tuple[int, float] | None = None
        self.call_timer: Timer | None = None
        #: The invoice being opened, until it shows (see show_detail).
        self.opening: Opening | None = None
        #: When the view shown was read (monotonic clock), and whether by an opening
        #: (which claims a pool item and marks notes read) or a preview (which writes
        #: nothing).
        self.read_at = 0.0
        self.opened = False
        #: The view as read (self.view also has the rows added by _show_more).
        self.read_view: InvoiceView | None = None
        #: The invoice a read is under way for, until it shows (or fails).
        self.reading_for: int | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="detail-top", classes="title-bar"):
            yield Static(t("detail.loading"), id="customer-header")
            yield Static("", id="call-timer")
        yield Static("", id="customer-summary")
        yield Static("", id="customer-status")
        with Horizontal(id="detail-body"):
            with Vertical(id="detail-left"):
                yield Label(t("detail.invoices"), classes="section")
                yield TextTable(id="invoices", cursor_type="row")
                yield Label(t("detail.contacts"), classes="section")
                yield TextTable(id="contacts", cursor_type="row")
            with Vertical(id="detail-right"):
                yield Label(t("detail.history"), classes="section")
                yield TextTable(id="history", cursor_type="row")
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
        self.load(first=True)

    def is_idle(self) -> bool:
        """Off the screen stack, not about to show, and no worker of it still running
        but reads (whose views are dropped once another invoice is asked for): safe to
        refill."""
        if self in self.app.screen_stack or self.opening is not None:
            return False
        return not any(
            worker.node is self and worker.is_running and worker.group not in _READS
            for worker in self.app.workers
        )

    def holds(self, document_id: int, day: date) -> bool:
        """Whether this screen holds ``document_id`` (read lately), or is reading it."""
        if self.document_id != document_id or self.day != day:
            return False
        if self.reading_for == document_id:
            return True
        return self.view is not None and monotonic() - self.read_at < PREVIEW_FRESH_FOR

    def open(self, document_id: int, day: date) -> None:
        """Open ``document_id`` (self.opening is set): shown at once when previewed,
        then read again, which claims it and marks its notes read and repaints only
        what changed; when its preview is still being read, shown once it is."""
        opening = self.opening
        assert opening is not None
        if not self.holds(document_id, day):
            self.refill(document_id, day)
            opening.push_unpainted()
        elif self.view is not None:
            opening.done()
            # Read again (as it was read ahead: the first FIRST_INVOICES), once the
            # first paint is done rather than competing with it.
            self.call_after_refresh(self.load, True)
        else:  # the preview's read is under way; _show shows the screen
            opening.push_unpainted()

    def refill(self, document_id: int, day: date, *, preview: bool = False) -> None:
        """Read another invoice: the state of the last one goes, the loading header
        shows until the new one is read. A ``preview`` writes nothing."""
        self.document_id = document_id
        self.day = day
        self.view = None
        self.read_view = None
        self.opened = False
        self.selected = {document_id}
        self.logged = False
        self.end_call()
        self.query_one("#customer-header", Static).update(t("detail.loading"))
        self.query_one("#customer-summary", Static).update("")
        self.query_one("#customer-status", Static).update("")
        for selector in _COLUMNS:
            table = self.query_one(selector, DataTable)
            table.clear()
            table.scroll_home(animate=False, immediate=True)
        self.set_focus(self.query_one("#invoices", DataTable))
        self.load(first=True, preview=preview)

    # -- loading ------------------------------------------------------------------------
    def load(self, first: bool = False, preview: bool = False) -> None:
        """Read the invoice; with ``first``, a big customer's other open invoices beyond
        FIRST_INVOICES come a moment later (see _show_more)."""
        self.reading_for = self.document_id
        self._read(self.document_id, self.day, first, preview)

    @work(thread=True, exclusive=True, group="detail")
    def _read(self, document_id: int, day: date, first: bool, preview: bool) -> None:
        from totalfact_tui.services.invoice_view import load_invoice_view
        from totalfact_tui.services.notes import mark_read
        from totalfact_tui.services.worklist import claim

        context = self.context
        try:
            view = load_invoice_view(
                context.database,
                document_id,
                day,
                context.viewer.user_id,
                context.settings.lang,
                others_limit=FIRST_INVOICES if first else None,
            )
        except Exception as exc:
            self.app.call_from_thread(self._not_loaded, exc, document_id, preview)
            return
        self.app.call_from_thread(self._show, view, not preview)
        if preview:
            return
        # What opening writes, once the invoice shows rather than before: a group pool
        # item is being worked (the others see who has it), and the notes shown are read.
        try:
            claim(context.database, context.viewer.username, document_id, day)
            if view.invoice.note_unread:  # else nothing to write (nor a lock to take)
                mark_read(context.database, context.viewer.user_id, document_id)
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)

    @work(thread=True, group="detail-more")
    def load_more(self, view: InvoiceView) -> None:
        from totalfact_tui.services.invoice_view import load_more_rows

        context = self.context
        try:
            rows = load_more_rows(context.database, view.more_ids, self.day, context.viewer.user_id)
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)
            return
        self.app.call_from_thread(self._show_more, view, rows)

    def _show_more(self, view: InvoiceView, rows: list[AgendaRow]) -> None:
        """The rest of the customer's open invoices, below the ones shown."""
        if self.view is not view:
            return  # read again meanwhile (all of them), or another invoice
        self.view = replace(view, others=[*view.others, *rows], more_ids=())
        table = self.query_one("#invoices", DataTable)
        for row in rows:
            self._add_invoice(table, row)

    def _not_loaded(self, exc: Exception, document_id: int, preview: bool) -> None:
        if document_id != self.document_id:
            return  # read for an invoice this screen showed before
        self.reading_for = None
        if self.opening is not None:
            self.opening.give_up()
        elif preview:
            return  # nobody asked yet: Enter reads it again, and tells what fails
        self.tui.report(exc)

    def _show(self, view: InvoiceView, opened: bool = True) -> None:
        if view.invoice.document_id != self.document_id:
            return  # read for an invoice this screen showed before
        self.reading_for = None
        self.read_at = monotonic()
        if view == self.read_view:
            self.opened = self.opened or opened
            return  # read again, unchanged: nothing to paint
        self.opened = opened
        self.read_view = self.view = view
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
        self._show_status(view)
        open_ids = {row.document_id for row in [view.invoice, *view.others]}
        self.selected &= open_ids | {view.invoice.document_id}
        self._fill_invoices([view.invoice, *view.others])
        self._fill_contacts(view.contacts)
        self._fill_history(view.history)
        if view.more_ids:
            self.load_more(view)
        if self.opening is not None:
            self.opening.done()
            if not opened:  # a preview, opened before it was read: now the opening
                self.call_after_refresh(self.load, True)

    def _show_status(self, view: InvoiceView) -> None:
        """Holds, credit, tasks and payments to confirm: what changes the call."""
        parts = []
        for hold in view.holds:
            target = str(hold.folio) if hold.folio else t("detail.whole_customer")
            parts.append(
                t("detail.held", target=target, until=fmt.day(hold.end_date), reason=hold.reason)
            )
        if view.credit > 0:
            parts.append(t("detail.credit", amount=fmt.money(view.credit)))
        late = [task for task in view.tasks if task.overdue]
        if late:
            parts.append(t("detail.tasks_overdue", count=len(late)))
        elif view.tasks:
            parts.append(t("detail.tasks_open", count=len(view.tasks)))
        if view.to_confirm:
            parts.append(t("detail.to_confirm", count=len(view.to_confirm)))
        self.query_one("#customer-status", Static).update(" · ".join(parts))

    def _fill_invoices(self, rows: list[AgendaRow]) -> None:
        table = self.query_one("#invoices", DataTable)
        current = table.cursor_row
        table.clear()
        for row in rows:
            self._add_invoice(table, row)
        if table.row_count:
            table.move_cursor(row=min(current, table.row_count - 1))

    def _add_invoice(self, table: DataTable[Any], row: AgendaRow) -> None:
        table.add_row(
            "✓" if row.document_id in self.selected else "",
            fmt.document(row.dte_type, row.folio),
            fmt.day(row.due_date),
            str(row.days_overdue),
            Text(fmt.money(row.balance), justify="right"),
            fmt.state(row.state),
            flags(row),
            key=str(row.document_id),
        )

    def _fill_contacts(self, contacts: list[ContactView]) -> None:
        table = self.query_one("#contacts", DataTable)
        current = table.cursor_row
        table.clear()
        for contact in contacts:
            phone = " / ".join(p for p in (contact.phone, contact.mobile) if p)
            table.add_row(
                contact.name, contact.role or "", phone, contact.email or "", key=str(contact.id)
            )
        if table.row_count:
            table.move_cursor(row=min(current, table.row_count - 1))

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
    def workable_rows(self) -> list[AgendaRow]:
        """The selected invoices, when all can be worked on (else a notice and [])."""
        rows = self.selected_rows()
        if self.view is None or not rows:
            return []
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
            return []
        return rows

    def action_log_call(self) -> None:
        from totalfact_tui.tui.modals.log_call import LogCallModal

        rows = self.workable_rows()
        if self.view is None or not rows:
            return
        contact_id, duration = None, None
        if self.call is not None:
            contact_id, started = self.call
            duration = max(int(monotonic() - started), 1)
            self.end_call()
        self.app.push_screen(
            LogCallModal(
                rows,
                self.view.contacts,
                self.context,
                contact_id=contact_id,
                duration_seconds=duration,
                script=self.view.script,
            ),
            callback=self._logged,
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

    # -- calling ------------------------------------------------------------------------
    def action_call(self) -> None:
        contact = self.current_contact()
        settings = self.context.settings
        if not settings.dial_command:
            self.notify(t("call.no_dial_command"), severity="warning", timeout=12)
            return
        if contact is None:
            self.notify(t("call.no_contact"), severity="warning")
            return
        phone = contact.mobile or contact.phone
        if not phone:
            self.notify(t("whatsapp.no_phone", name=contact.name), severity="warning")
            return
        self.dial(settings.dial_command, phone)
        self.call = (contact.id, monotonic())
        if self.call_timer is not None:
            self.call_timer.stop()
        self.call_timer = self.set_interval(1, self._tick)
        self._tick()

    @work(thread=True, group="dial")
    def dial(self, command: str, phone: str) -> None:
        from totalfact_tui.tui.external import dial

        try:
            dial(command, phone)
        except Exception as exc:
            self.app.call_from_thread(self.end_call)
            self.app.call_from_thread(self.tui.report, exc)

    def _tick(self) -> None:
        if self.call is None or self.view is None:
            return
        contact = next((c for c in self.view.contacts if c.id == self.call[0]), None)
        elapsed = int(monotonic() - self.call[1])
        self.query_one("#call-timer", Static).update(
            t(
                "call.timer",
                contact=contact.name if contact else "",
                time=f"{elapsed // 60:02d}:{elapsed % 60:02d}",
            )
        )

    def end_call(self) -> None:
        self.call = None
        if self.call_timer is not None:
            self.call_timer.stop()
            self.call_timer = None
        self.query_one("#call-timer", Static).update("")

    def action_whatsapp(self) -> None:
        contact = self.current_contact()
        rows = self.workable_rows()
        if not rows:
            return
        if contact is None:
            self.notify(t("call.no_contact"), severity="warning")
            return
        self.whatsapp([r.document_id for r in rows], contact.id)

    @work(thread=True, group="whatsapp")
    def whatsapp(self, document_ids: list[int], contact_id: int) -> None:
        from totalfact_tui.services.actions import ActionForm, log_action
        from totalfact_tui.services.messages import whatsapp_link
        from totalfact_tui.tui.external import open_url

        context = self.context
        today = context.settings.current_day()
        try:
            link = whatsapp_link(
                context.database, context.viewer.username, tuple(document_ids), contact_id, today
            )
            open_url(link, context.settings.opener)
            logged = log_action(
                context.database,
                context.viewer.username,
                ActionForm(
                    tuple(document_ids),
                    WHATSAPP_RESULT,
                    contact_id=contact_id,
                    channel="whatsapp",
                ),
                today,
                grace_days=context.settings.grace_days,
                lead_days=context.settings.lead_days,
            )
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)
            return
        self.app.call_from_thread(self._whatsapp_sent, logged)

    def _whatsapp_sent(self, logged: LoggedAction) -> None:
        self.logged = True
        self.notify(t("whatsapp.sent", next=fmt.day(logged.next_action_date)))
        self.load()

    def action_copy(self) -> None:
        """The phone of the contact, or the folio / RUT under the cursor."""
        if self.view is None:
            return
        focused = self.focused
        text = self.view.customer.rut
        if isinstance(focused, DataTable) and focused.id == "contacts":
            contact = self.current_contact()
            if contact is not None and (contact.mobile or contact.phone):
                text = contact.mobile or contact.phone or ""
        elif isinstance(focused, DataTable) and focused.id == "invoices":
            row = self.cursor_row()
            if row is not None:
                text = str(row.folio)
        self.tui.copy_text(text)

    def cursor_row(self) -> AgendaRow | None:
        table = self.query_one("#invoices", DataTable)
        if self.view is None or table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        rows = [self.view.invoice, *self.view.others]
        return next((r for r in rows if str(r.document_id) == row_key.value), None)

    # -- money, disputes, holds, tasks, email ------------------------------------------------
    def action_payment(self) -> None:
        from totalfact_tui.tui.modals.payment_form import PaymentModal

        rows = self.workable_rows()
        if rows:
            self.app.push_screen(PaymentModal(rows, self.context), callback=self._saved)

    def _choose(
        self,
        title_key: str,
        empty_key: str,
        items: list[tuple[int, str]],
        actions: list[ItemAction],
        *,
        comment: bool = False,
    ) -> None:
        """A list of things of the customer (payments, holds, tasks) to act on."""
        from totalfact_tui.tui.modals.item_actions import ItemActionsModal

        if not items:
            self.notify(t(empty_key), severity="warning")
            return
        self.app.push_screen(
            ItemActionsModal(t(title_key), items, actions, self.context, comment=comment),
            callback=self._saved,
        )

    def action_confirm_payment(self) -> None:
        from totalfact_tui.services import payments
        from totalfact_tui.tui.modals.item_actions import ItemAction

        if self.view is None:
            return
        database, user, today, lead = self._work_arguments()
        self._choose(
            "payment.confirm_title",
            "payment.none_to_confirm",
            [(p.id, _payment_label(p)) for p in self.view.to_confirm],
            [
                ItemAction(
                    "c",
                    t("payment.confirm"),
                    lambda pid, _c: payments.confirm_payment(database, user, pid, today, lead),
                ),
                ItemAction(
                    "r",
                    t("payment.reject"),
                    lambda pid, comment: payments.reject_payment(
                        database, user, pid, today, comment, lead
                    ),
                ),
            ],
            comment=True,
        )

    def action_reverse_payment(self) -> None:
        from totalfact_tui.services import payments
        from totalfact_tui.tui.modals.item_actions import ItemAction

        if self.view is None:
            return
        database, user, today, lead = self._work_arguments()
        self._choose(
            "payment.reverse_title",
            "payment.none_to_reverse",
            [(p.id, _payment_label(p)) for p in self.view.confirmed],
            [
                ItemAction(
                    "x",
                    t("payment.reverse"),
                    lambda pid, comment: payments.reverse_payment(
                        database, user, pid, today, comment, lead
                    ),
                )
            ],
            comment=True,
        )

    def _work_arguments(self) -> tuple[Database, str, date, int]:
        """What every service call of a key takes: database, user, today, lead days."""
        context = self.context
        return (
            context.database,
            context.viewer.username,
            context.settings.current_day(),
            context.settings.lead_days,
        )

    def action_dispute(self) -> None:
        from totalfact_tui.tui.modals.dispute_form import DisputeModal

        rows = self.workable_rows()
        if rows:
            self.app.push_screen(DisputeModal(rows, self.context), callback=self._saved)

    def action_resolve_dispute(self) -> None:
        from totalfact_tui.tui.modals.dispute_form import ResolveDisputeModal

        rows = [row for row in self.selected_rows() if row.state == "objetada"]
        if not rows:
            self.notify(t("dispute.none_selected"), severity="warning")
            return
        self.app.push_screen(ResolveDisputeModal(rows, self.context), callback=self._saved)

    def action_hold(self) -> None:
        from totalfact_tui.tui.modals.hold_form import HoldModal

        rows = self.workable_rows()
        if rows:
            self.app.push_screen(HoldModal(rows, self.context), callback=self._saved)

    def action_lift_hold(self) -> None:
        from totalfact_tui.services.holds import lift_hold
        from totalfact_tui.tui.modals.item_actions import ItemAction

        if self.view is None:
            return
        database, user, today, _lead = self._work_arguments()
        self._choose(
            "hold.lift_title",
            "hold.none_active",
            [
                (
                    h.id,
                    t(
                        "detail.held",
                        target=str(h.folio) if h.folio else t("detail.whole_customer"),
                        until=fmt.day(h.end_date),
                        reason=h.reason,
                    ),
                )
                for h in self.view.holds
            ],
            [
                ItemAction(
                    "l", t("hold.lift"), lambda hid, _c: lift_hold(database, user, hid, today)
                )
            ],
        )

    def action_task(self) -> None:
        from totalfact_tui.tui.modals.task_form import TaskModal

        rows = self.workable_rows()
        if rows:
            self.app.push_screen(
                TaskModal(rows, self.context.people, self.context), callback=self._saved
            )

    def action_complete_task(self) -> None:
        from totalfact_tui.services.tasks import complete_task
        from totalfact_tui.tui.modals.item_actions import ItemAction

        if self.view is None:
            return
        database, user, today, _lead = self._work_arguments()
        self._choose(
            "task.complete_title",
            "task.none_open",
            [
                (
                    task.id,
                    ("☒ " if task.overdue else "☐ ")
                    + t(
                        "task.line",
                        description=task.description,
                        owner=task.assignee or task.area_code or "-",
                        due=fmt.day(task.due_date),
                    ),
                )
                for task in self.view.tasks
            ],
            [
                ItemAction(
                    "k",
                    t("task.complete"),
                    lambda tid, _c: complete_task(database, user, tid, today),
                )
            ],
        )

    def action_email(self) -> None:
        from totalfact_tui.tui.modals.email_form import EmailModal

        rows = self.workable_rows()
        if rows:
            contact = self.current_contact()
            self.app.push_screen(
                EmailModal(rows, contact.id if contact else None, self.context),
                callback=self._queued,
            )

    def _queued(self, saved: bool | None) -> None:
        if saved:
            self.notify(t("email.queued"))
            self.load()

    def _saved(self, saved: bool | None) -> None:
        if saved:
            self.logged = True
            self.load()

    def action_profile(self) -> None:
        """The customer's payment profile: behaviour, risk, predicted payment dates."""
        from totalfact_tui.tui.screens.customer_profile import CustomerProfileScreen

        if self.view is None or self.view.invoice.customer_id is None:
            return
        customer_id = self.view.invoice.customer_id
        self.app.push_screen(CustomerProfileScreen(customer_id, self.day))

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


#: How many of the customer's other open invoices the detail shows in its first paint
#: (more than its table shows on a 50-line terminal); a big customer's others follow a
#: moment later. Each row is read, added, measured and laid out before that paint.
FIRST_INVOICES = 30

#: The name the kept detail screen is installed under.
KEPT_SCREEN = "detail"

#: How long the kept screen, refilled off screen, waits for its invoice before it shows
#: with the loading header (a slow database): under this, it shows once, with its data.
SHOW_LOADING_AFTER = 0.2

#: How long keys typed while an invoice opens wait for it, at most: then they go to the
#: screen as it is (so that a slow database never swallows escape).
HOLD_KEYS_AT_MOST = 1.0

#: How long the cursor rests on an agenda row before its invoice is read into the kept
#: screen (a preview): moving down the agenda reads nothing.
PREVIEW_AFTER = 0.1

#: How long a preview is shown at once on Enter (and read again); an older one is read
#: again first, as an invoice not previewed.
PREVIEW_FRESH_FOR = 60.0

#: The worker groups that only read: a screen with one of them running may be refilled.
_READS = ("detail", "detail-more")


class Opening:
    """An invoice being opened in a detail screen: the screen is pushed once, and shows
    at once when it is new (with its loading header), else when the invoice is read or
    after SHOW_LOADING_AFTER; the keys typed meanwhile are held until the invoice shows
    (or HOLD_KEYS_AT_MOST)."""

    def __init__(
        self,
        app: TotalfactApp,
        screen: DetailScreen,
        callback: Callable[[bool | None], None] | None,
    ) -> None:
        self.app = app
        self.screen = screen
        self.callback = callback
        self.pushed = False
        #: While the screen is pushed but not painted (see push_unpainted).
        self.unpainted: AbstractContextManager[None] | None = None

    def start(self) -> None:
        self.screen.opening = self
        self.app.hold_keys()
        self.app.set_timer(SHOW_LOADING_AFTER, self.show)
        self.app.set_timer(HOLD_KEYS_AT_MOST, self.done)

    def push(self) -> None:
        if not self.pushed and self.screen.opening is self:
            self.pushed = True
            self.app.push_screen(self.screen, self.callback)

    def push_unpainted(self) -> None:
        """Push the screen now, while its invoice is read, and paint nothing (the screen
        below stays as it is) until it shows: its styles are applied meanwhile, not
        after the invoice comes. Nothing is painted for at most SHOW_LOADING_AFTER."""
        if self.pushed or self.screen.opening is not self:
            return
        self.unpainted = self.app.batch_update()
        self.unpainted.__enter__()
        self.push()

    def show(self) -> None:
        """Push the screen if it is not yet, and paint it as it is."""
        self.push()
        if self.unpainted is not None:
            unpainted, self.unpainted = self.unpainted, None
            unpainted.__exit__(None, None, None)

    def done(self) -> None:
        """The invoice shows (or it is taking long): show it, and deliver the keys."""
        if self.screen.opening is self:
            self.show()
            self.screen.opening = None
            self.app.release_keys()

    def give_up(self) -> None:
        """The invoice could not be read: a screen never painted goes, and the keys go
        to whatever screen is shown."""
        if self.screen.opening is not self:
            return
        self.screen.opening = None
        if self.unpainted is not None and self.app.screen is self.screen:
            self.app.pop_screen()
        self.show()
        self.app.release_keys()


def show_detail(
    app: TotalfactApp,
    document_id: int,
    day: date,
    callback: Callable[[bool | None], None] | None = None,
) -> None:
    """Open the detail screen of an invoice; ``callback`` gets whether an action was
    logged. The kept screen, when idle, shows it at once if it was read ahead
    (DetailScreen.open), else is refilled and shows once the invoice is read; otherwise
    (the first time, or while the kept one is in use) a new screen is pushed at once.
    Either way keys typed until the invoice shows go to it."""
    kept = _kept_screen(app)
    if kept is not None and kept.opening is not None:
        return  # still opening the last one
    screen = kept if kept is not None and kept.is_idle() else DetailScreen(document_id, day)
    if kept is None:
        app.install_screen(screen, KEPT_SCREEN)
    opening = Opening(app, screen, callback)
    opening.start()
    if screen is kept:
        screen.open(document_id, day)
    else:
        opening.push()


def preview_detail(app: TotalfactApp, document_id: int, day: date) -> None:
    """Read ``document_id`` into the kept detail screen, off screen, so that opening it
    shows it at once. Writes nothing; does nothing before the first opening (there is
    no kept screen yet) or while the kept one is in use."""
    kept = _kept_screen(app)
    if kept is None or not kept.is_idle() or kept.holds(document_id, day):
        return
    kept.refill(document_id, day, preview=True)


def _kept_screen(app: TotalfactApp) -> DetailScreen | None:
    if not app.is_screen_installed(KEPT_SCREEN):
        return None
    return app.get_screen(KEPT_SCREEN, DetailScreen)


#: Each table's columns: key, message key of the header, width.
_COLUMNS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "#invoices": (
        ("mark", "detail.col.mark", 2),
        ("document", "agenda.col.document", 10),
        ("due", "agenda.col.due", 10),
        ("days", "agenda.col.days", 5),
        ("balance", "agenda.col.balance", 13),
        ("state", "agenda.col.state", 12),
        ("flags", "agenda.col.flags", 5),
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


WHATSAPP_RESULT = "whatsapp_enviado"


def _payment_label(payment: PaymentView) -> str:
    folios = ", ".join(str(f) for f in payment.folios.values())
    return t(
        "payment.line",
        day=fmt.day(payment.paid_on),
        amount=fmt.money(payment.amount),
        method=t(f"payment.{payment.method}"),
        reference=payment.reference or "-",
        folios=folios or "-",
    )


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
        text = t(
            "history.payment",
            amount=fmt.money(data["amount"]),
            method=t(f"payment.{data['method']}"),
        )
        if data.get("reference"):
            text += f" · {data['reference']}"
        if data.get("status") and data["status"] != "confirmed":
            text += " · " + t(f"payment.status.{data['status']}")
        return text
    if item.kind == "email":
        return t(
            "history.email",
            status=t(f"email.status.{data['status']}"),
            subject=data["subject"],
            to=data["to"],
        )
    if item.kind == "dispute":
        if data["status"] == "resolved":
            return t("history.dispute_resolved", outcome=t(f"outcome.{data['outcome']}"))
        return t("history.dispute", reason=data["reason"], follow=fmt.day(data["follow_up"]))
    if item.kind == "hold":
        text = t("history.hold", until=fmt.day(data["until"]), reason=data["reason"])
        return text + (" · " + t("history.hold_lifted") if data.get("lifted") else "")
    if item.kind == "note":
        area = f" → {data['area']}" if data.get("area") else ""
        return t("history.note", user=data["user"], body=data["body"]) + area
    if item.kind == "task":
        return t("history.task", description=data["description"], due=fmt.day(data["due"]))
    event = str(data.get("event", ""))
    if event == "state_changed":
        return t("history.state", state=fmt.state(data.get("to")))
    return t(f"history.event.{event}")
