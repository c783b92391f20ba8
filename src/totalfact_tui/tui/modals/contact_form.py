"""Add or edit a contact without leaving the detail screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input

from totalfact_tui.i18n import t
from totalfact_tui.tui.modals.form import FormModal
from totalfact_tui.tui.widgets.plain import Label, Static

if TYPE_CHECKING:
    from totalfact_tui.services.contacts import ContactView
    from totalfact_tui.tui.context import TuiContext

FIELDS = ("name", "role", "phone", "mobile", "email")


class ContactModal(FormModal):
    def __init__(self, customer_id: int, contact: ContactView | None, context: TuiContext) -> None:
        super().__init__(context)
        self.customer_id = customer_id
        self.contact = contact
        #: The contact's version when the form opened (optimistic locking).
        self.version = contact.version if contact else None

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

    def service_call(self) -> Callable[[], object]:
        from totalfact_tui.services.contacts import add_contact, edit_contact

        values: dict[str, str | None] = {
            name: self.query_one(f"#contact-{name}", Input).value for name in FIELDS
        }
        database, username = self.context.database, self.context.viewer.username
        contact = self.contact
        if contact is None:
            return lambda: add_contact(database, username, self.customer_id, values)
        version = self.version
        return lambda: edit_contact(database, username, contact.id, values, version)

    def reload_versions(self) -> None:
        from totalfact_tui.services.contacts import contact_version

        if self.contact is not None:
            version = contact_version(self.context.database, self.contact.id)
            self.app.call_from_thread(setattr, self, "version", version)
