"""The agenda table: one row per invoice (or per customer when grouped), fed a page at
a time. Rows are keyed ``d:<document id>`` and ``c:<customer id>``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from totalfact_tui.i18n import language, t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.widgets.plain import TextTable

if TYPE_CHECKING:
    from totalfact_tui.domain.agenda import AgendaRow, CustomerGroup

MARK = "✓"
COLUMNS = (
    ("mark", "detail.col.mark", 1),
    ("customer", "agenda.col.customer", 24),
    ("document", "agenda.col.document", 10),
    ("due", "agenda.col.due", 10),
    ("days", "agenda.col.days", 5),
    ("balance", "agenda.col.balance", 13),
    ("state", "agenda.col.state", 12),
    ("reason", "agenda.col.reason_short", 18),
    ("flags", "agenda.col.flags", 6),
    ("rut", "agenda.col.rut", 12),
    ("issued", "agenda.col.issued", 10),
    ("last", "agenda.col.last_action", 30),
    ("next", "agenda.col.next", 10),
)


def flags(row: AgendaRow) -> Text:
    text = Text()
    if row.promise_broken or row.broken_promises:
        text.append(f"⚠{row.broken_promises}", style="bold red")
    if row.disputed:
        text.append("⚑", style="yellow")
    if row.task_pending:
        text.append("☒" if row.task_overdue else "☐", style="red" if row.task_overdue else "")
    if row.note_unread:
        text.append("✉", style="cyan")
    if row.covered_for:
        text.append(f"↪{row.covered_for}", style="magenta")  # covering for an absent one
    if row.worked_by:
        text.append(f"●{row.worked_by}", style="blue")  # a pool item someone else has
    return text


def last_action(row: AgendaRow) -> str:
    action = row.last_action
    if action is None:
        return ""
    return f"{action.label(language())} · {fmt.moment(action.at)} · {action.username}"


class AgendaTable(TextTable):
    """Invoices (or customers) on the agenda."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for key, label, width in COLUMNS:
            self.add_column(t(label), key=key, width=width)

    def add_invoice(self, row: AgendaRow, indent: bool = False, selected: bool = False) -> None:
        name = ("  " if indent else "") + row.customer_name
        days = Text(str(row.days_overdue), style="bold red" if row.days_overdue > 60 else "")
        self.add_row(
            MARK if selected else "",
            name,
            fmt.document(row.dte_type, row.folio),
            fmt.day(row.due_date),
            days,
            Text(fmt.money(row.balance), justify="right"),
            fmt.state(row.state),
            fmt.reason(row.reason),
            flags(row),
            row.customer_rut,
            fmt.day(row.issue_date),
            last_action(row),
            fmt.day(row.next_action_date),
            key=f"d:{row.document_id}",
        )

    def add_group(self, group: CustomerGroup, expanded: bool) -> None:
        marker = "▾ " if expanded else "▸ "
        broken = (
            Text(f"⚠{group.broken_promises}", style="bold red") if group.broken_promises else ""
        )
        self.add_row(
            "",
            Text(marker + group.customer_name, style="bold"),
            t("agenda.group.items", count=group.items),
            "",
            str(group.max_days_overdue),
            Text(fmt.money(group.balance), justify="right", style="bold"),
            "",
            "",
            broken,
            group.customer_rut,
            "",
            "",
            "",
            key=f"c:{group.customer_id}",
        )

    def mark(self, document_id: int, selected: bool) -> None:
        key = f"d:{document_id}"
        if key in self.rows:
            self.update_cell(key, "mark", MARK if selected else "")

    def current_key(self) -> str | None:
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def move_to_key(self, key: str) -> bool:
        try:
            index = self.get_row_index(key)
        except Exception:
            return False
        self.move_cursor(row=index)
        return True
