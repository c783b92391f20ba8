"""``?``: every key of the screen with what it does (after the user's keymap)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable

from totalfact_tui.i18n import t
from totalfact_tui.tui.widgets.plain import Label, Static, TextTable


class KeysModal(ModalScreen[None]):
    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("escape", "close", t("key.back"), id="keys.close"),
        Binding("question_mark", "close", t("key.back"), show=False, id="keys.close_help"),
    ]

    def __init__(self, title: str, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield TextTable(id="keys-table", cursor_type="row", show_header=True)
            yield Static(t("keys.hint"), classes="hint")

    def on_mount(self) -> None:
        table = self.query_one("#keys-table", DataTable)
        table.add_column(t("keys.key"), width=14)
        table.add_column(t("keys.action"), width=50)
        for key, description in self.rows:
            table.add_row(key, description)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
