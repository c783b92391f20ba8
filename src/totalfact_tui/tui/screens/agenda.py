"""The agenda (home): the collector's invoices due for action, in priority order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input
from textual.worker import get_current_worker

from totalfact_tui.domain.agenda import LARGEST, OLDEST, AgendaFilter, Cursor
from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.widgets.agenda_table import AgendaTable
from totalfact_tui.tui.widgets.footer import Footer
from totalfact_tui.tui.widgets.plain import Static

if TYPE_CHECKING:
    from totalfact_tui.domain.agenda import AgendaPage, AgendaRow, AgendaTotals, CustomerGroup
    from totalfact_tui.services.agenda import Person
    from totalfact_tui.tui.app import TotalfactApp
    from totalfact_tui.tui.context import TuiContext

PAGE = 50
PREFETCH_MARGIN = 10
#: ctrl+a selects at most this many rows (a batch larger than a day's work is a mistake).
SELECT_ALL_LIMIT = 2000


class AgendaScreen(Screen[None]):
    CSS_PATH = "agenda.tcss"
    BINDINGS = [
        Binding(
            "left_square_bracket",
            "previous_day",
            t("key.previous_day"),
            key_display="[",
            id="agenda.previous_day",
        ),
        Binding(
            "right_square_bracket",
            "next_day",
            t("key.next_day"),
            key_display="]",
            id="agenda.next_day",
        ),
        Binding("t", "today", t("key.today"), id="agenda.today"),
        Binding("s", "toggle_order", t("key.order"), id="agenda.order"),
        Binding("g", "toggle_group", t("key.group"), id="agenda.group"),
        Binding("slash", "search", t("key.search"), key_display="/", id="agenda.search"),
        Binding("f", "filters", t("key.filters"), id="agenda.filters"),
        Binding("escape", "clear", t("key.clear"), show=False, id="agenda.clear"),
        Binding("r", "refresh", t("key.refresh"), id="agenda.refresh"),
        Binding("u", "switch_user", t("key.switch_user"), id="agenda.switch_user"),
        Binding("R", "report", t("key.report"), id="agenda.report"),
        Binding("A", "admin", t("key.admin"), show=False, id="agenda.admin"),
        Binding("right", "expand", t("key.expand"), show=False, id="agenda.expand"),
        Binding("space", "toggle_select", t("key.select"), id="agenda.select"),
        Binding("ctrl+a", "select_all", t("key.select_all"), show=False, id="agenda.select_all"),
        Binding("l", "log_call", t("key.log_call"), show=False, id="agenda.log_call"),
        Binding("p", "mark_paid", t("key.mark_paid"), show=False, id="agenda.mark_paid"),
        Binding("h", "hold", t("key.hold"), show=False, id="agenda.hold"),
        Binding("m", "email", t("key.email"), show=False, id="agenda.email"),
        Binding("y", "copy", t("key.copy"), show=False, id="agenda.copy"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.day: date | None = None
        self.order = OLDEST
        self.grouped = False
        self.filters = AgendaFilter()
        self.subject: Person | None = None
        self.cursor: Cursor | None = None
        self.loading_more = False
        self.expanded: set[int] = set()
        self.search_timer: Timer | None = None
        self.preview_timer: Timer | None = None
        self.restore_key: str | None = None
        #: Rows seen on this agenda (by invoice), and those selected for batch work.
        self.rows_by_id: dict[int, AgendaRow] = {}
        self.selected: set[int] = set()
        self.last_totals: AgendaTotals | None = None
        self.mail_text = ""

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(t("agenda.loading"), id="agenda-header", classes="title-bar")
        yield Input(
            placeholder=t("agenda.search_placeholder"), id="agenda-search", classes="hidden"
        )
        yield Static("", id="agenda-filters", classes="muted hidden")
        yield AgendaTable(id="agenda-table")
        yield Static("", id="agenda-empty", classes="muted hidden")
        yield Footer()

    def on_mount(self) -> None:
        self.table.focus()

    @property
    def tui(self) -> TotalfactApp:
        return self.app  # type: ignore[return-value]

    @property
    def context(self) -> TuiContext | None:
        return self.tui.context

    @property
    def table(self) -> AgendaTable:
        return self.query_one(AgendaTable)

    def show_message(self, message: str) -> None:
        self.query_one("#agenda-header", Static).update(message)

    # -- start and load -----------------------------------------------------------------
    def start(self) -> None:
        """The database is open: read the preference and fill the table."""
        context = self.context
        if context is None:
            return
        self.subject = context.viewer
        self.day = context.settings.current_day()
        self.order = context.order
        self.reload()

    def reload(self, keep_key: str | None = None) -> None:
        self.restore_key = keep_key
        self.cursor = None
        self.load()

    @work(thread=True, exclusive=True, group="agenda")
    def load(self) -> None:
        from totalfact_tui.services import agenda as service

        context, subject, day = self.context, self.subject, self.day
        if context is None or subject is None or day is None:
            return
        worker = get_current_worker()
        try:
            # Promises are judged and ended absences returned whenever an agenda loads.
            service.settle_day(
                context.database, context.settings.current_day(), context.settings.lead_days
            )
            scope = service.scope_for(context.viewer, subject)
            totals = service.load_totals(context.database, scope, day, self.filters)
            mail = _mail_status(context)
            if self.grouped:
                groups = service.load_groups(context.database, scope, day, self.order, self.filters)
                children: dict[int, Any] = {}
                for customer_id in self.expanded:
                    filters = replace(self.filters, customer_id=customer_id)
                    children[customer_id] = service.load_page(
                        context.database,
                        context.viewer,
                        scope,
                        day,
                        self.order,
                        filters,
                        limit=500,
                    ).rows
                payload: Any = (groups, children)
            else:
                payload = service.load_page(
                    context.database,
                    context.viewer,
                    scope,
                    day,
                    self.order,
                    self.filters,
                    limit=PAGE,
                )
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, totals, payload, mail)

    def _show(self, totals: AgendaTotals, payload: Any, mail: str = "") -> None:
        self.mail_text = mail
        table = self.table
        table.clear()
        if self.grouped:
            groups, children = payload
            self._show_groups(groups, children)
            self.cursor = None
        else:
            page: AgendaPage = payload
            for row in page.rows:
                self.rows_by_id[row.document_id] = row
                table.add_invoice(row, selected=row.document_id in self.selected)
            self.cursor = page.cursor
        self.last_totals = totals
        self._header(totals)
        empty = self.query_one("#agenda-empty", Static)
        empty.update(t("agenda.empty"))
        empty.set_class(table.row_count > 0, "hidden")
        if self.restore_key:
            table.move_to_key(self.restore_key)
            self.restore_key = None

    def _show_groups(self, groups: list[CustomerGroup], children: dict[int, Any]) -> None:
        table = self.table
        for group in groups:
            expanded = group.customer_id in children
            table.add_group(group, expanded)
            for row in children.get(group.customer_id, []):
                self.rows_by_id[row.document_id] = row
                table.add_invoice(row, indent=True, selected=row.document_id in self.selected)

    def _header(self, totals: AgendaTotals) -> None:
        context, subject, day = self.context, self.subject, self.day
        if context is None or subject is None or day is None:
            return
        order = t("agenda.order.largest") if self.order == LARGEST else t("agenda.order.oldest")
        text = t(
            "agenda.header",
            name=subject.name,
            day=fmt.day(day),
            items=totals.items,
            balance=fmt.money(totals.balance),
            broken=totals.broken_promises,
            order=order,
        )
        if day != context.settings.current_day():
            text += "  " + t("agenda.not_today")
        if self.selected:
            text += "  " + self._selection_text()
        if self.mail_text:
            text += "  " + self.mail_text
        self.query_one("#agenda-header", Static).update(text)
        line = self.query_one("#agenda-filters", Static)
        active = _describe_filters(self.filters)
        line.update(t("agenda.filters_active", filters=active) if active else "")
        line.set_class(not active, "hidden")

    @work(thread=True, exclusive=True, group="agenda-more")
    def load_more(self) -> None:
        from totalfact_tui.services import agenda as service

        context, subject, day, cursor = self.context, self.subject, self.day, self.cursor
        if context is None or subject is None or day is None or cursor is None:
            self.loading_more = False
            return
        try:
            scope = service.scope_for(context.viewer, subject)
            page = service.load_page(
                context.database,
                context.viewer,
                scope,
                day,
                self.order,
                self.filters,
                after=cursor,
                limit=PAGE,
            )
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)
            return
        self.app.call_from_thread(self._append, cursor, page)

    def _append(self, after: Cursor, page: AgendaPage) -> None:
        self.loading_more = False
        if after != self.cursor or self.grouped:
            return  # the agenda changed meanwhile
        for row in page.rows:
            self.rows_by_id[row.document_id] = row
            self.table.add_invoice(row, selected=row.document_id in self.selected)
        self.cursor = page.cursor

    @on(DataTable.RowHighlighted, "#agenda-table")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        table = self.table
        if (
            self.cursor is not None
            and not self.loading_more
            and event.cursor_row >= table.row_count - PREFETCH_MARGIN
        ):
            self.loading_more = True
            self.load_more()

    # -- opening rows -------------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#agenda-table")
    def _rest_on_row(self, event: DataTable.RowHighlighted) -> None:
        """The cursor resting on an invoice reads it ahead (see preview_detail)."""
        from totalfact_tui.tui.screens.detail import PREVIEW_AFTER

        if self.preview_timer is not None:
            self.preview_timer.stop()
        key = event.row_key.value or ""
        if key.startswith("d:"):
            document_id = int(key[2:])
            self.preview_timer = self.set_timer(PREVIEW_AFTER, lambda: self._preview(document_id))

    def _preview(self, document_id: int) -> None:
        from totalfact_tui.tui.screens.detail import preview_detail

        if self.is_current and self.day is not None:
            preview_detail(self.tui, document_id, self.day)

    @on(DataTable.RowSelected, "#agenda-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value or ""
        if key.startswith("c:"):
            self._toggle_group(int(key[2:]))
        elif key.startswith("d:"):
            self.open_detail(int(key[2:]))

    def open_detail(self, document_id: int) -> None:
        from totalfact_tui.tui.screens.detail import show_detail

        if self.context is None or self.day is None:
            return
        current = self.table.current_key()
        show_detail(
            self.tui,
            document_id,
            self.day,
            callback=lambda logged: self._back_from_detail(current, bool(logged)),
        )

    def _back_from_detail(self, key: str | None, logged: bool) -> None:
        table = self.table
        target = key
        if (
            logged
            and key is not None
            and self.context
            and self.context.settings.close_detail_after_log
        ):
            # Stay on the next row: the one just worked leaves today's agenda.
            index = table.cursor_row + 1
            if index < table.row_count:
                row_key, _ = table.coordinate_to_cell_key(
                    table.cursor_coordinate._replace(row=index)
                )
                target = row_key.value
        self.reload(keep_key=target)

    def action_expand(self) -> None:
        key = self.table.current_key() or ""
        if key.startswith("c:"):
            self._toggle_group(int(key[2:]))

    def _toggle_group(self, customer_id: int) -> None:
        if customer_id in self.expanded:
            self.expanded.discard(customer_id)
        else:
            self.expanded.add(customer_id)
        self.reload(keep_key=f"c:{customer_id}")

    # -- keys ---------------------------------------------------------------------------
    def _move_day(self, delta: int | None) -> None:
        context = self.context
        if context is None or self.day is None:
            return
        self.day = (
            context.settings.current_day() if delta is None else self.day + timedelta(days=delta)
        )
        self.selected.clear()
        self.reload()

    def action_previous_day(self) -> None:
        self._move_day(-1)

    def action_next_day(self) -> None:
        self._move_day(1)

    def action_today(self) -> None:
        self._move_day(None)

    def action_toggle_order(self) -> None:
        self.order = LARGEST if self.order == OLDEST else OLDEST
        self.save_order(self.order)
        self.reload()

    @work(thread=True, group="agenda-prefs")
    def save_order(self, order: str) -> None:
        from totalfact_tui.services.agenda import set_order_preference

        context = self.context
        if context is None:
            return
        try:
            set_order_preference(context.database, context.viewer.user_id, order)
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)

    def action_toggle_group(self) -> None:
        self.grouped = not self.grouped
        self.expanded.clear()
        self.reload()

    def action_search(self) -> None:
        search = self.query_one("#agenda-search", Input)
        search.remove_class("hidden")
        search.focus()

    @on(Input.Changed, "#agenda-search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self.search_timer is not None:
            self.search_timer.stop()
        value = event.value
        self.search_timer = self.set_timer(0.15, lambda: self._apply_search(value))

    def _apply_search(self, value: str) -> None:
        self.filters = replace(self.filters, text=value.strip() or None)
        self.reload()

    @on(Input.Submitted, "#agenda-search")
    def _search_done(self) -> None:
        self.table.focus()

    def action_filters(self) -> None:
        from totalfact_tui.tui.modals.filters import FiltersModal

        self.app.push_screen(FiltersModal(self.filters), callback=self._filters_chosen)

    def _filters_chosen(self, filters: AgendaFilter | None) -> None:
        if filters is not None:
            self.filters = replace(filters, text=self.filters.text)
            self.reload()

    def action_clear(self) -> None:
        search = self.query_one("#agenda-search", Input)
        had_filters = self.filters.active() or search.value
        search.value = ""
        search.add_class("hidden")
        self.table.focus()
        if had_filters:
            self.filters = AgendaFilter()
            self.reload()

    def action_refresh(self) -> None:
        self.reload(keep_key=self.table.current_key())

    def action_switch_user(self) -> None:
        from totalfact_tui.tui.modals.pick_user import PickUserModal

        context = self.context
        if context is None:
            return
        if not context.viewer.supervises:
            self.notify(t("agenda.not_allowed"), severity="warning")
            return
        people = [context.viewer, *context.collectors]
        self.app.push_screen(PickUserModal(people), callback=self._user_chosen)

    def _user_chosen(self, person: Person | None) -> None:
        if person is not None:
            self.subject = person
            self.selected.clear()
            self.reload()

    # -- selection and work on it -------------------------------------------------------
    def _selection_text(self) -> str:
        rows = [self.rows_by_id[i] for i in self.selected if i in self.rows_by_id]
        return t(
            "agenda.selected",
            count=len(self.selected),
            balance=fmt.money(sum(row.balance for row in rows)),
        )

    def _refresh_header(self) -> None:
        if self.last_totals is not None:
            self._header(self.last_totals)

    def action_toggle_select(self) -> None:
        key = self.table.current_key() or ""
        if key.startswith("c:"):
            customer_id = int(key[2:])
            ids = [i for i, r in self.rows_by_id.items() if r.customer_id == customer_id]
            everything = all(i in self.selected for i in ids)
            for document_id in ids:
                self._set_selected(document_id, not everything)
        elif key.startswith("d:"):
            document_id = int(key[2:])
            self._set_selected(document_id, document_id not in self.selected)
            if self.table.cursor_row < self.table.row_count - 1:
                self.table.move_cursor(row=self.table.cursor_row + 1)
        self._refresh_header()

    def _set_selected(self, document_id: int, selected: bool) -> None:
        if selected:
            self.selected.add(document_id)
        else:
            self.selected.discard(document_id)
        self.table.mark(document_id, selected)

    def action_select_all(self) -> None:
        """Select every row the filters let through, loaded or not (or clear)."""
        if self.selected:
            for document_id in list(self.selected):
                self._set_selected(document_id, False)
            self._refresh_header()
            return
        self.select_all()

    @work(thread=True, exclusive=True, group="agenda-select")
    def select_all(self) -> None:
        from totalfact_tui.services import agenda as service

        context, subject, day = self.context, self.subject, self.day
        if context is None or subject is None or day is None:
            return
        try:
            scope = service.scope_for(context.viewer, subject)
            rows = service.load_all(
                context.database,
                context.viewer,
                scope,
                day,
                self.order,
                self.filters,
                most=SELECT_ALL_LIMIT,
            )
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)
            return
        self.app.call_from_thread(self._select_rows, rows)

    def _select_rows(self, rows: list[AgendaRow]) -> None:
        for row in rows:
            self.rows_by_id[row.document_id] = row
            self._set_selected(row.document_id, True)
        self._refresh_header()

    def work_rows(self) -> list[AgendaRow]:
        """The selection, else the invoice under the cursor."""
        if self.selected:
            return [self.rows_by_id[i] for i in sorted(self.selected) if i in self.rows_by_id]
        key = self.table.current_key() or ""
        if key.startswith("d:") and int(key[2:]) in self.rows_by_id:
            return [self.rows_by_id[int(key[2:])]]
        if key.startswith("c:"):
            customer_id = int(key[2:])
            return [r for r in self.rows_by_id.values() if r.customer_id == customer_id]
        return []

    def _after_batch(self, saved: bool | object | None) -> None:
        if saved:
            self.selected.clear()
            self.reload(keep_key=self.table.current_key())

    def action_log_call(self) -> None:
        from totalfact_tui.tui.modals.log_call import LogCallModal

        rows = self.work_rows()
        if self.context is None or not rows:
            return
        self.app.push_screen(LogCallModal(rows, [], self.context), callback=self._after_batch)

    def action_mark_paid(self) -> None:
        from totalfact_tui.tui.modals.batch_forms import BatchPaidModal

        rows = self.work_rows()
        if self.context is not None and rows:
            self.app.push_screen(BatchPaidModal(rows, self.context), callback=self._after_batch)

    def action_hold(self) -> None:
        from totalfact_tui.tui.modals.hold_form import HoldModal

        rows = self.work_rows()
        if self.context is not None and rows:
            self.app.push_screen(
                HoldModal(rows, self.context, allow_customer=False), callback=self._after_batch
            )

    def action_email(self) -> None:
        from totalfact_tui.tui.modals.batch_forms import BatchEmailModal

        rows = self.work_rows()
        if self.context is None or not rows:
            return
        modal = BatchEmailModal(rows, self.context)

        def done(saved: bool | None) -> None:
            if saved:
                self.notify(t("email.queued"))
                if modal.skipped:
                    self.notify(
                        t("batch.no_address", customers=", ".join(modal.skipped)),
                        severity="warning",
                        timeout=10,
                    )
            self._after_batch(saved)

        self.app.push_screen(modal, callback=done)

    def action_report(self) -> None:
        """The report screen: the team's figures for managers and admins, a collector's
        own figures for a collector."""
        from totalfact_tui.tui.modals.report_period import ReportPeriod
        from totalfact_tui.tui.screens.report import ReportScreen

        if self.context is None:
            return
        today = self.context.settings.current_day()
        self.app.push_screen(ReportScreen(ReportPeriod.month_of(today)))

    def action_admin(self) -> None:
        """Users, groups and reassignments: admins only."""
        from totalfact_tui.tui.screens.admin import AdminScreen

        if self.context is None:
            return
        if self.context.viewer.role != "admin":
            self.notify(t("admin.only"), severity="warning")
            return
        self.app.push_screen(AdminScreen())

    def action_copy(self) -> None:
        key = self.table.current_key() or ""
        if key.startswith("d:") and int(key[2:]) in self.rows_by_id:
            self.tui.copy_text(str(self.rows_by_id[int(key[2:])].folio))


def _mail_status(context: TuiContext) -> str:
    """What the mail watcher last did (blocking: called in the load worker)."""
    from zoneinfo import ZoneInfo

    from totalfact_tui.services.watch_status import statuses

    rows = [r for r in statuses(context.database) if r.last_check_at is not None]
    if not rows:
        return ""
    latest = max(rows, key=lambda r: r.last_check_at or datetime.min.replace(tzinfo=UTC))
    zone = ZoneInfo(context.settings.timezone)
    failing = latest.last_error_at is not None and (
        latest.last_success_at is None or latest.last_error_at > latest.last_success_at
    )
    if failing and latest.last_error_at is not None:
        return t("agenda.mail_error", when=latest.last_error_at.astimezone(zone).strftime("%H:%M"))
    assert latest.last_check_at is not None
    return t("agenda.mail_ok", when=latest.last_check_at.astimezone(zone).strftime("%H:%M"))


def _describe_filters(filters: AgendaFilter) -> str:
    parts = []
    if filters.text:
        parts.append(f"«{filters.text}»")
    if filters.states:
        parts.append(", ".join(fmt.state(s) for s in filters.states))
    if filters.segment:
        parts.append(t("filters.segment") + f": {filters.segment}")
    if filters.min_overdue is not None or filters.max_overdue is not None:
        parts.append(
            t("filters.overdue") + f": {filters.min_overdue or 0}–{filters.max_overdue or '∞'}"
        )
    if filters.min_balance is not None or filters.max_balance is not None:
        low = fmt.money(filters.min_balance or 0)
        high = fmt.money(filters.max_balance) if filters.max_balance is not None else "∞"
        parts.append(t("filters.balance") + f": {low}–{high}")
    if filters.has_promise is not None:
        parts.append(
            t("filters.has_promise") + ": " + (t("yes") if filters.has_promise else t("no"))
        )
    if filters.has_task is not None:
        parts.append(t("filters.has_task") + ": " + (t("yes") if filters.has_task else t("no")))
    return " · ".join(parts)
