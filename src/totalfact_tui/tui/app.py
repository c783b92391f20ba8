"""The full-screen application. It paints first and opens the database afterwards,
in a worker thread: nothing blocking ever runs on Textual's event loop."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme

from totalfact_tui.domain.errors import LeaseBusy, TotalfactError
from totalfact_tui.i18n import error_message, t
from totalfact_tui.tui.commands import GoToProvider
from totalfact_tui.tui.context import TuiContext, TuiSettings, open_context
from totalfact_tui.tui.screens.agenda import AgendaScreen

if TYPE_CHECKING:
    from totalfact_tui.db.session import Database

#: When Python's cycle collector runs (see gc.set_threshold). By default it runs every
#: 700 new container objects; a frame of the detail screen makes tens of thousands
#: (Textual's strips and their caches), so it ran about 65 times per invoice opened and
#: its full collections, walking all that the screens hold, stopped the app for about
#: 50 ms every other invoice. Most of those objects are freed by reference counting
#: before a collection at 50,000 sees them.
GC_THRESHOLDS = (50_000, 20, 20)

#: The themes the theme key cycles through: dark, light, and ANSI colours (the
#: terminal's own palette, readable on light terminals).
THEMES = ("textual-dark", "textual-light", "ansi-dark", "ansi-light")


class TotalfactApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "TotalFact"
    COMMANDS = App.COMMANDS | {GoToProvider}
    BINDINGS = [
        Binding("q", "quit", t("key.quit"), id="app.quit"),
        Binding("question_mark", "help", t("key.help"), key_display="?", id="app.help"),
        Binding("ctrl+p", "command_palette", t("key.palette"), show=False, id="app.palette"),
        Binding("ctrl+t", "cycle_theme", t("key.theme"), show=False, id="app.theme"),
    ]

    #: (name, theme) of the theme last looked up: see current_theme.
    _theme_seen: tuple[str, Theme] | None = None

    def __init__(self, settings: TuiSettings) -> None:
        super().__init__()
        self.settings = settings
        self.context: TuiContext | None = None
        self.last_mail_problem: str | None = None
        self.signed_in = False
        #: Keys typed while a screen is about to show (see hold_keys), else None.
        self.held_keys: list[events.Key] | None = None

    def on_mount(self) -> None:
        self._apply_theme()
        if self.settings.keymap:
            self._apply_keymap()
        self.push_screen(AgendaScreen())
        # Start-up allocates a great deal and frees little (Textual, the screens, then
        # the database modules in the background): the garbage collector, walking it
        # all again and again, cost a tenth of it. It waits until the database is open.
        gc.disable()
        self.open_database()

    def on_resize(self, event: events.Resize) -> None:
        # Rich asks the operating system for the terminal's size whenever anything is
        # measured, unless told the size: tables measured every cell that way (a
        # thousand system calls for one detail screen). Textual knows the size.
        self.console.size = (event.size.width, event.size.height)

    def on_unmount(self) -> None:
        self._started()  # never leave the collector off (an app closed while opening)

    def _started(self) -> None:
        """Opening the database is over, however it ended: collect garbage again,
        leaving what start-up built (it lives as long as the app) out of every later
        collection."""
        if not gc.isenabled():
            gc.freeze()
            gc.set_threshold(*GC_THRESHOLDS)
            gc.enable()

    @property
    def current_theme(self) -> Theme:
        """The theme in use, remembered until it changes. Textual looks it up by copying
        its theme registry twice, and styling asks once per widget and pseudo-class:
        1,700 times (30 ms) when the detail screen opens."""
        name = self.theme
        if self._theme_seen is None or self._theme_seen[0] != name:
            self._theme_seen = (name, super().current_theme)
        return self._theme_seen[1]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notice, always plain text: messages carry names, file names and server
        replies, whose brackets must not be read as markup (our catalog has none)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def hold_keys(self) -> None:
        """Keep the keys typed from now on for the screen about to show, until
        release_keys: typed ahead, they belong to it, not to the screen still shown."""
        self.held_keys = []

    def release_keys(self) -> None:
        """Deliver the keys held, in order, to the screen now shown."""
        held, self.held_keys = self.held_keys, None
        for key in held or []:
            self.post_message(events.Key(key.key, key.character))

    async def on_event(self, event: events.Event) -> None:
        if self.held_keys is not None and isinstance(event, events.Key):
            self.held_keys.append(event)
            return
        await super().on_event(event)

    def _apply_theme(self) -> None:
        wanted = self.settings.theme
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            self.notify(
                t("theme.unknown", theme=wanted, choices=", ".join(THEMES)),
                severity="error",
                timeout=15,
            )

    def _apply_keymap(self) -> None:
        from totalfact_tui.tui.keymap import binding_ids, check_keymap

        good, bad = check_keymap(self.settings.keymap, binding_ids())
        self.set_keymap(good)
        if bad:
            self.notify(t("keymap.bad", entries="; ".join(bad)), severity="error", timeout=20)

    def action_cycle_theme(self) -> None:
        index = THEMES.index(self.theme) + 1 if self.theme in THEMES else 0
        self.theme = THEMES[index % len(THEMES)]
        self.notify(t("theme.now", theme=self.theme), timeout=3)

    def action_command_palette(self) -> None:
        if not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(CommandPalette(placeholder=t("palette.placeholder")))

    def screen_keys(self, screen: Screen[object]) -> list[tuple[str, str, object, str]]:
        """(key shown, description, namespace, action) of every key active on ``screen``,
        after the user's keymap, without repeats."""
        rows: list[tuple[str, str, object, str]] = []
        seen: set[tuple[int, str]] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            # Ours all have an id (and a translated description); Textual's own do not.
            if not binding.id or (id(active.node), binding.action) in seen:
                continue
            seen.add((id(active.node), binding.action))
            rows.append(
                (self.get_key_display(binding), binding.description, active.node, binding.action)
            )
        return rows

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every key of the screen, in the interface's language."""
        for key, description, node, action in self.screen_keys(screen):
            if action in ("command_palette", "app.command_palette"):
                continue
            yield SystemCommand(
                description, key, partial(self.call_later, self.run_action, action, node)
            )

    def open_invoice(self, document_id: int) -> None:
        """Open an invoice's detail (from the palette), over the agenda."""
        from totalfact_tui.tui.screens.detail import show_detail

        if self.context is None:
            return
        agenda = self.screen if isinstance(self.screen, AgendaScreen) else None
        if agenda is not None:
            agenda.open_detail(document_id)
        else:
            show_detail(self, document_id, self.settings.current_day())

    def copy_text(self, text: str) -> None:
        """OSC 52 to the terminal, and the system clipboard where there is one."""
        self.copy_to_clipboard(text)
        self.copy_fallback(text)
        self.notify(t("copied", text=text), timeout=3)

    @work(thread=True, group="clipboard")
    def copy_fallback(self, text: str) -> None:
        from totalfact_tui.tui.external import copy_to_system_clipboard

        copy_to_system_clipboard(text)

    @work(thread=True, exclusive=True, group="open")
    def open_database(self) -> None:
        try:
            self._open_database()
        finally:
            self._started()

    def _open_database(self) -> None:
        try:
            if self.settings.require_password and not self.signed_in:
                database = self._passwords_database()
                if database is not None:
                    self.call_from_thread(self.ask_password, database)
                    return
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

    def _passwords_database(self) -> Database | None:
        """The database when someone must sign in first (any user has a password)."""
        from totalfact_tui.services.database import open_app_database
        from totalfact_tui.services.users import passwords_in_use

        database = open_app_database(self.settings.database_url)
        with database.read() as session:
            if passwords_in_use(session):
                return database
        database.dispose()
        return None

    def ask_password(self, database: Database) -> None:
        from dataclasses import replace

        from totalfact_tui.tui.modals.sign_in import SignInModal

        def signed_in(username: str | None) -> None:
            database.dispose()
            if username is None:
                self.exit()
                return
            self.signed_in = True
            self.settings = replace(self.settings, username=username)
            self.open_database()

        self.push_screen(SignInModal(database, self.settings.username), callback=signed_in)

    def ready(self, context: TuiContext) -> None:
        self.context = context
        screen = self.screen
        if isinstance(screen, AgendaScreen):
            screen.start()
        smtp = self.settings.smtp
        if smtp.get("smtp.host") and smtp.get("smtp.from"):
            self.set_interval(self.settings.send_every_seconds, self.send_mail)
            self.send_mail()

    @work(thread=True, exclusive=True, group="outbox")
    def send_mail(self) -> None:
        """Deliver queued mail in the background; say when some could not go."""
        from totalfact_tui.services.outbox import send_queued, settings_from_values

        context = self.context
        if context is None:
            return
        try:
            summary = send_queued(context.database, settings_from_values(self.settings.smtp))
        except LeaseBusy:
            return  # another program (a colleague's, the outbox timer) is sending right now
        except Exception as exc:
            self.call_from_thread(self._mail_problem, exc)
            return
        if summary.failed or summary.uncertain:
            self.call_from_thread(
                self.notify,
                t("outbox.tui_failed", failed=summary.failed, uncertain=summary.uncertain),
                severity="warning",
                timeout=15,
            )

    def _mail_problem(self, exc: BaseException) -> None:
        """One notice per kind of problem, not one a minute."""
        text = error_message(exc) if isinstance(exc, TotalfactError) else str(exc)
        if text != self.last_mail_problem:
            self.last_mail_problem = text
            self.report(exc)

    def failed(self, message: str) -> None:
        self.notify(message, severity="error", timeout=30)
        screen = self.screen
        if isinstance(screen, AgendaScreen):
            screen.show_message(message)

    def action_help(self) -> None:
        from totalfact_tui.tui.modals.keys_help import KeysModal

        screen = self.screen
        if isinstance(screen, KeysModal):
            screen.dismiss(None)
            return
        rows = [(key, description) for key, description, _n, _a in self.screen_keys(screen)]
        self.push_screen(KeysModal(t("keys.title"), rows))

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
