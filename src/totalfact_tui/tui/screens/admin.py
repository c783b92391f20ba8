"""The admin screen (``A`` from the agenda, admins only): users (enable/disable),
groups and their members, reassignments of absent collectors (undo), and who collects
which customers (assign one, the marked ones, or by segment and balance). The same
services as the commands, in workers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, TabbedContent, TabPane

from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.widgets.footer import Footer
from totalfact_tui.tui.widgets.plain import Static, TextTable

if TYPE_CHECKING:
    from totalfact_tui.tui.app import TotalfactApp


class AdminScreen(Screen[None]):
    CSS_PATH = "report.tcss"
    BINDINGS = [
        Binding("d", "toggle_user", t("key.toggle_user"), id="admin.toggle_user"),
        Binding("u", "undo", t("key.undo_reassign"), id="admin.undo"),
        Binding("n", "new_reassignment", t("key.new_reassign"), id="admin.new_reassign"),
        Binding("m", "members", t("key.members"), id="admin.members"),
        Binding("a", "assign", t("key.assign"), id="admin.assign"),
        Binding("b", "assign_by_filter", t("key.assign_filter"), id="admin.assign_filter"),
        Binding("space", "mark", t("key.mark"), id="admin.mark"),
        Binding("slash", "search", t("key.search"), id="admin.search"),
        Binding("r", "refresh", t("key.refresh"), id="admin.refresh"),
        Binding("1", "tab('tab-users')", show=False, id="admin.tab1"),
        Binding("2", "tab('tab-groups')", show=False, id="admin.tab2"),
        Binding("3", "tab('tab-reassign')", show=False, id="admin.tab3"),
        Binding("4", "tab('tab-customers')", show=False, id="admin.tab4"),
        Binding("escape", "back", t("key.back"), id="admin.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        #: RUTs marked with space on the customers tab (``a`` assigns them together).
        self.marked: set[str] = set()

    @property
    def tui(self) -> TotalfactApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(t("admin.title"), classes="title-bar")
        with TabbedContent(id="admin-tabs"):
            with TabPane(t("admin.tab.users"), id="tab-users"):
                yield TextTable(id="admin-users", cursor_type="row")
            with TabPane(t("admin.tab.groups"), id="tab-groups"):
                yield TextTable(id="admin-groups", cursor_type="row")
            with TabPane(t("admin.tab.reassign"), id="tab-reassign"):
                yield TextTable(id="admin-reassign", cursor_type="row")
            with TabPane(t("admin.tab.customers"), id="tab-customers"):
                yield Input(placeholder=t("admin.customers.search"), id="admin-search")
                yield TextTable(id="admin-customers", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        columns = {
            "#admin-users": ("users.col.username", "users.col.name", "users.col.role",
                             "users.col.active"),
            "#admin-groups": ("groups.col.name", "groups.col.members"),
            "#admin-reassign": ("admin.col.id", "admin.col.from", "admin.col.days",
                                "admin.col.items", "admin.col.active"),
            "#admin-customers": ("admin.col.mark", "admin.col.rut", "admin.col.name",
                                 "admin.col.segment", "admin.col.owner",
                                 "admin.col.open", "admin.col.balance"),
        }  # fmt: skip
        for selector, labels in columns.items():
            self.query_one(selector, DataTable).add_columns(*(t(label) for label in labels))
        self.query_one("#admin-users", DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True, group="admin")
    def load(self) -> None:
        from totalfact_tui.services.groups import list_groups
        from totalfact_tui.services.reassign import list_reassignments
        from totalfact_tui.services.users import list_users

        context = self.tui.context
        if context is None:
            return
        try:
            data = (
                list_users(context.database),
                list_groups(context.database),
                list_reassignments(context.database),
            )
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)
            return
        self.app.call_from_thread(self._show, *data)
        self.load_customers(self.query_one("#admin-search", Input).value)

    @work(thread=True, exclusive=True, group="admin-customers")
    def load_customers(self, search: str) -> None:
        from totalfact_tui.services.assignments import list_customers

        context = self.tui.context
        if context is None:
            return
        try:
            rows = list_customers(context.database, search)
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)
            return
        self.app.call_from_thread(self._show_customers, rows)

    def _show_customers(self, rows: list[Any]) -> None:
        table = self.query_one("#admin-customers", DataTable)
        cursor = self._current("#admin-customers")
        table.clear()
        for row in rows:
            owner = "—" if row.owner is None else row.owner
            if row.owner_kind == "group":
                owner = t("admin.owner.group", name=row.owner)
            table.add_row(
                "✓" if row.rut in self.marked else "",
                row.rut,
                row.name,
                row.segment or "—",
                owner,
                str(row.open_invoices),
                fmt.money(row.open_balance),
                key=row.rut,
            )
        if cursor is not None and cursor in table.rows:
            table.move_cursor(row=table.get_row_index(cursor))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "admin-search":
            self.load_customers(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "admin-search":
            self.query_one("#admin-customers", DataTable).focus()

    def _show(self, users: list[Any], groups: list[Any], moves: list[Any]) -> None:
        table = self.query_one("#admin-users", DataTable)
        table.clear()
        for user in users:
            table.add_row(
                user.username,
                user.name,
                t(f"role.{user.role}"),
                t("yes") if user.active else t("no"),
                key=user.username,
            )
        table = self.query_one("#admin-groups", DataTable)
        table.clear()
        for group in groups:
            table.add_row(group.name, ", ".join(group.members) or "—", key=group.name)
        table = self.query_one("#admin-reassign", DataTable)
        table.clear()
        for move in moves:
            table.add_row(
                str(move.id),
                move.from_user,
                f"{fmt.day(move.start)} – {fmt.day(move.end)}",
                str(move.items),
                t("yes") if move.active else t("no"),
                key=str(move.id),
            )

    def _current(self, selector: str) -> str | None:
        table = self.query_one(selector, DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_toggle_user(self) -> None:
        from totalfact_tui.services.users import set_active

        username = self._current("#admin-users")
        context = self.tui.context
        if username is None or context is None:
            return
        table = self.query_one("#admin-users", DataTable)
        active = str(table.get_row(username)[3]) == t("yes")
        acting = context.viewer.username
        self.run_change(lambda: set_active(context.database, username, not active, acting))

    def action_undo(self) -> None:
        from totalfact_tui.services.reassign import undo

        key = self._current("#admin-reassign")
        context = self.tui.context
        if key is None or context is None:
            return
        acting = context.viewer.username
        self.run_change(lambda: undo(context.database, int(key), acting))

    def action_new_reassignment(self) -> None:
        from totalfact_tui.tui.modals.admin_forms import ReassignModal

        context = self.tui.context
        if context is not None:
            self.app.push_screen(ReassignModal(context), callback=self._after_form)

    def action_members(self) -> None:
        from totalfact_tui.tui.modals.admin_forms import MembersModal

        group = self._current("#admin-groups")
        context = self.tui.context
        if group is None or context is None:
            self.notify(t("admin.members.pick"), timeout=4)
            return
        self.app.push_screen(MembersModal(group, context), callback=self._after_form)

    def _after_form(self, saved: bool | None) -> None:
        if saved:
            self.notify(t("admin.saved"), timeout=3)
            self.load()

    @work(thread=True, exclusive=True, group="admin-change")
    def run_change(self, change: Callable[[], object]) -> None:
        try:
            change()
        except Exception as exc:
            self.app.call_from_thread(self.tui.report, exc)
            return
        self.app.call_from_thread(self.notify, t("admin.saved"), timeout=3)
        self.app.call_from_thread(self.load)

    def _on_customers_tab(self) -> bool:
        return self.query_one(TabbedContent).active == "tab-customers"

    def action_search(self) -> None:
        self.action_tab("tab-customers")
        self.query_one("#admin-search", Input).focus()

    def action_mark(self) -> None:
        key = self._current("#admin-customers")
        if key is None or not self._on_customers_tab():
            return
        table = self.query_one("#admin-customers", DataTable)
        self.marked ^= {key}
        column = next(iter(table.columns))
        table.update_cell(key, column, "✓" if key in self.marked else "")
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def action_assign(self) -> None:
        """Assign the marked customers, or else the highlighted one."""
        from totalfact_tui.tui.modals.admin_forms import AssignModal

        context = self.tui.context
        if context is None:
            return
        current = self._current("#admin-customers") if self._on_customers_tab() else None
        ruts = sorted(self.marked) or ([current] if current else [])
        if not ruts:
            self.notify(t("admin.assign.pick"), timeout=4)
            return
        self.app.push_screen(AssignModal(context, ruts), callback=self._after_assign)

    def action_assign_by_filter(self) -> None:
        from totalfact_tui.tui.modals.admin_forms import AssignModal

        context = self.tui.context
        if context is not None:
            self.app.push_screen(AssignModal(context, []), callback=self._after_assign)

    def _after_assign(self, saved: bool | None) -> None:
        if saved:
            self.marked.clear()
        self._after_form(saved)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one(f"#{tab}", TabPane).query(DataTable).first().focus()

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)
