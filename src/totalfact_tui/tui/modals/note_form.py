"""Add a note to an invoice, optionally routed to an area."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from totalfact_tui.i18n import t
from totalfact_tui.tui.modals.saving import run_saving

if TYPE_CHECKING:
    from totalfact_tui.tui.context import TuiContext


class NoteModal(ModalScreen[bool]):
    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", t("key.save"), id="note.save"),
        Binding("f2", "save", t("key.save"), id="note.save_f2"),
        Binding("escape", "cancel", t("key.cancel"), id="note.cancel"),
    ]

    def __init__(self, document_id: int, context: TuiContext) -> None:
        super().__init__()
        self.document_id = document_id
        self.context = context
        self.saving = False

    def compose(self) -> ComposeResult:
        lang = self.context.settings.lang
        with VerticalScroll(classes="dialog"):
            yield Label(t("note.title"), classes="dialog-title")
            yield Label(t("note.body"), classes="field-label")
            yield Input(id="note-body", compact=True)
            yield Label(t("note.area"), classes="field-label")
            yield Select(
                [(area.label(lang), area.code) for area in self.context.catalogs.areas],
                prompt=t("note.no_area"),
                id="note-area",
                compact=True,
            )
            yield Static(t("form.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#note-body", Input).focus()

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_save(self) -> None:
        if self.saving:
            return
        self.saving = True
        area = self.query_one("#note-area", Select).value
        self.save(
            self.query_one("#note-body", Input).value, area if isinstance(area, str) else None
        )

    @work(thread=True, exclusive=True, group="note")
    def save(self, body: str, area: str | None) -> None:
        from totalfact_tui.services.notes import add_note

        context = self.context
        run_saving(
            self,
            lambda: add_note(
                context.database, context.viewer.username, self.document_id, body, area
            ),
        )
