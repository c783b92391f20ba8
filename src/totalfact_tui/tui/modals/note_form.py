"""Add a note to an invoice, optionally routed to an area."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input

from totalfact_tui.i18n import t
from totalfact_tui.tui.modals.form import FormModal
from totalfact_tui.tui.widgets.plain import Label, Select, Static

if TYPE_CHECKING:
    from totalfact_tui.tui.context import TuiContext


class NoteModal(FormModal):
    def __init__(self, document_id: int, context: TuiContext) -> None:
        super().__init__(context)
        self.document_id = document_id

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

    def service_call(self) -> Callable[[], object]:
        from totalfact_tui.services.notes import add_note

        area = self.query_one("#note-area", Select).value
        body = self.query_one("#note-body", Input).value
        context = self.context
        return lambda: add_note(
            context.database,
            context.viewer.username,
            self.document_id,
            body,
            area if isinstance(area, str) else None,
        )
