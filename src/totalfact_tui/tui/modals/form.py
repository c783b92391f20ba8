"""The one way a form modal saves: the service runs in a worker; success closes the
form, a failure keeps it open with a clear notice (nothing typed is lost)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding
from textual.screen import ModalScreen

from totalfact_tui.domain.errors import Conflict, TotalfactError
from totalfact_tui.i18n import error_message, t

if TYPE_CHECKING:
    from totalfact_tui.tui.context import TuiContext


class FormModal(ModalScreen[bool]):
    """Enter, ctrl+s or F2 saves; escape cancels. Subclasses say what saving calls."""

    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", t("key.save"), id="form.save"),
        Binding("f2", "save", t("key.save"), id="form.save_f2"),
        Binding("escape", "cancel", t("key.cancel"), id="form.cancel"),
    ]

    def __init__(self, context: TuiContext) -> None:
        super().__init__()
        self.context = context
        self.saving = False
        #: Versions of the invoices the form was opened on (optimistic locking); a
        #: conflict refreshes them and keeps the form, so a second save goes through.
        self.versions: dict[int, int] = {}

    def service_call(self) -> Callable[[], object]:
        """Read the fields (on the event loop) and return the call that saves them."""
        raise NotImplementedError

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_save(self) -> None:
        if self.saving:
            return
        self.saving = True
        self.save(self.service_call())

    @work(thread=True, exclusive=True, group="form")
    def save(self, call: Callable[[], object]) -> None:
        try:
            call()
        except Conflict as exc:
            self.reload_versions()
            self.app.call_from_thread(
                self.failed, error_message(exc) + " " + t("log.review_and_save")
            )
            return
        except TotalfactError as exc:
            self.app.call_from_thread(self.failed, error_message(exc))
            return
        except Exception as exc:
            message = t("error.unexpected", kind=type(exc).__name__, detail=str(exc)[:200], log="-")
            self.app.call_from_thread(self.failed, message)
            return
        self.app.call_from_thread(self.dismiss, True)

    def reload_versions(self) -> None:
        """After a conflict (in the worker): take the records' current versions, so that
        a second save, once the user has looked, goes through. Invoices by default."""
        from totalfact_tui.services.invoices import current_versions

        fresh = current_versions(self.context.database, list(self.versions))
        self.app.call_from_thread(self.versions.update, fresh)

    def failed(self, message: str) -> None:
        self.saving = False
        self.notify(message, severity="error", timeout=8)
