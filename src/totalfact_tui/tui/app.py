"""The full-screen application. It paints first and opens the database afterwards,
in a worker thread: nothing blocking ever runs on Textual's event loop."""

from __future__ import annotations

from textual import work
from textual.app import App
from textual.binding import Binding

from totalfact_tui.domain.errors import TotalfactError
from totalfact_tui.i18n import error_message, t
from totalfact_tui.tui.context import TuiContext, TuiSettings, open_context
from totalfact_tui.tui.screens.agenda import AgendaScreen


class TotalfactApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "TotalFact"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("q", "quit", t("key.quit"), id="app.quit"),
        Binding("question_mark", "help", t("key.help"), id="app.help"),
    ]

    def __init__(self, settings: TuiSettings) -> None:
        super().__init__()
        self.settings = settings
        self.context: TuiContext | None = None

    def on_mount(self) -> None:
        self.push_screen(AgendaScreen())
        self.open_database()

    @work(thread=True, exclusive=True, group="open")
    def open_database(self) -> None:
        try:
            context = open_context(self.settings)
        except TotalfactError as exc:
            self.call_from_thread(self.failed, error_message(exc))
            return
        except Exception as exc:
            self.call_from_thread(
                self.failed,
                t("error.unexpected", kind=type(exc).__name__, detail=str(exc)[:200], log="-"),
            )
            return
        self.call_from_thread(self.ready, context)

    def ready(self, context: TuiContext) -> None:
        self.context = context
        screen = self.screen
        if isinstance(screen, AgendaScreen):
            screen.start()

    def failed(self, message: str) -> None:
        self.notify(message, severity="error", timeout=30)
        screen = self.screen
        if isinstance(screen, AgendaScreen):
            screen.show_message(message)

    def action_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def report(self, exc: BaseException) -> None:
        """A clear notice for an error met in a worker; the app stays alive."""
        if isinstance(exc, TotalfactError):
            self.notify(error_message(exc), severity="error", timeout=10)
        else:
            self.notify(
                t("error.unexpected", kind=type(exc).__name__, detail=str(exc)[:200], log="-"),
                severity="error",
                timeout=10,
            )


def run_tui(settings: TuiSettings) -> None:
    TotalfactApp(settings).run()
