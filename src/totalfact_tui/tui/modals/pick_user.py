"""Choose whose agenda to open (managers and admins)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets.option_list import Option

from totalfact_tui.i18n import t
from totalfact_tui.services.agenda import Person
from totalfact_tui.tui.widgets.plain import Label, OptionList


class PickUserModal(ModalScreen[Person | None]):
    CSS_PATH = "modal.tcss"
    BINDINGS = [Binding("escape", "cancel", t("key.cancel"), id="pick_user.cancel")]

    def __init__(self, people: list[Person]) -> None:
        super().__init__()
        self.people = people

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(t("pick_user.title"), classes="dialog-title")
            yield OptionList(
                *[Option(f"{p.name} ({p.username})", id=str(p.user_id)) for p in self.people],
                id="people",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        person = next((p for p in self.people if str(p.user_id) == event.option.id), None)
        self.dismiss(person)

    def action_cancel(self) -> None:
        self.dismiss(None)
