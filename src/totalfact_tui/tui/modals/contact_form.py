"""Add or edit a contact without leaving the detail screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from totalfact_tui.i18n import t
from totalfact_tui.tui.modals.saving import run_saving

if TYPE_CHECKING:
    from totalfact_tui.services.contacts import ContactView
    from totalfact_tui.tui.context import TuiContext

FIELDS = ("name", "role", "phone", "mobile", "email")


class ContactModal(ModalScreen[bool]):
    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", t("key.save"), id="contact.save"),
        Binding("f2", "save", t("key.save"), id="contact.save_f2"),
        Binding("escape", "cancel", t("key.cancel"), id="contact.cancel"),
    ]

    def __init__(self, customer_id: int, contact: ContactView | None, context: TuiContext) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.contact = contact
        self.context = context
        self.saving = False

    def compose(self) -> ComposeResult:
        title = t("contact.edit_title") if self.contact else t("contact.add_title")
        with VerticalScroll(classes="dialog"):
            yield Label(title, classes="dialog-title")
            for name in FIELDS:
                yield Label(t(f"contact.{name}"), classes="field-label")
                value = getattr(self.contact, name, None) if self.contact else None
                yield Input(value or "", id=f"contact-{name}", compact=True)
            yield Static(t("form.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#contact-name", Input).focus()

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_save(self) -> None:
        if self.saving:
            return
        self.saving = True
        values = {name: self.query_one(f"#contact-{name}", Input).value for name in FIELDS}
        self.save(values)

    @work(thread=True, exclusive=True, group="contact")
    def save(self, values: dict[str, str | None]) -> None:
        from totalfact_tui.services.contacts import add_contact, edit_contact

        context = self.context
        username = context.viewer.username
        contact = self.contact
        if contact is None:
            run_saving(
                self, lambda: add_contact(context.database, username, self.customer_id, values)
            )
        else:
            run_saving(self, lambda: edit_contact(context.database, username, contact.id, values))
