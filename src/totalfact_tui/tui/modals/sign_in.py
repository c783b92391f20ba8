"""Sign-in (with ``require_password``): username and password, checked in a worker;
after repeated failures the account locks for a while (services.users.sign_in)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input

from totalfact_tui.domain.errors import TotalfactError
from totalfact_tui.i18n import error_message, t
from totalfact_tui.tui.widgets.plain import Label, Static

if TYPE_CHECKING:
    from totalfact_tui.db.session import Database


class SignInModal(ModalScreen[str | None]):
    """Dismisses with the username that signed in, or None (quit)."""

    CSS_PATH = "modal.tcss"
    BINDINGS = [Binding("escape", "cancel", t("key.quit"), id="sign_in.cancel")]

    def __init__(self, database: Database, username: str | None) -> None:
        super().__init__()
        self.database = database
        self.username = username or ""
        self.checking = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(t("auth.title"), classes="dialog-title")
            yield Label(t("auth.username"), classes="field-label")
            yield Input(self.username, id="sign-in-user", compact=True)
            yield Label(t("auth.password"), classes="field-label")
            yield Input(password=True, id="sign-in-password", compact=True)
            yield Static("", id="sign-in-message", classes="hint")
            yield Static(t("auth.hint"), classes="hint")

    def on_mount(self) -> None:
        target = "#sign-in-password" if self.username else "#sign-in-user"
        self.query_one(target, Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "sign-in-user":
            self.query_one("#sign-in-password", Input).focus()
            return
        if self.checking:
            return
        self.checking = True
        self.query_one("#sign-in-message", Static).update(t("auth.checking"))
        username = self.query_one("#sign-in-user", Input).value.strip()
        self.check(username, self.query_one("#sign-in-password", Input).value)

    @work(thread=True, exclusive=True, group="sign-in")
    def check(self, username: str, password: str) -> None:
        from totalfact_tui.services.users import sign_in

        try:
            sign_in(self.database, username, password)
        except TotalfactError as exc:
            self.app.call_from_thread(self.failed, error_message(exc))
            return
        except Exception as exc:
            message = t("error.unexpected", kind=type(exc).__name__, detail=str(exc)[:200], log="-")
            self.app.call_from_thread(self.failed, message)
            return
        self.app.call_from_thread(self.dismiss, username)

    def failed(self, message: str) -> None:
        self.checking = False
        self.query_one("#sign-in-message", Static).update(message)
        password = self.query_one("#sign-in-password", Input)
        password.value = ""
        password.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
