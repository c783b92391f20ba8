"""With require_password, the app asks for the password before the agenda opens."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input, Static

from tests.tui.conftest import settle
from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.users import set_password
from totalfact_tui.tui.app import TotalfactApp
from totalfact_tui.tui.modals.sign_in import SignInModal
from totalfact_tui.tui.screens.agenda import AgendaScreen
from totalfact_tui.tui.widgets.agenda_table import AgendaTable

MakeApp = Callable[..., TotalfactApp]


async def test_wrong_then_right_password(make_app: MakeApp, demo_url: str) -> None:
    database = open_app_database(demo_url)
    set_password(database, "cperez", "clave-de-carla")
    database.dispose()
    app = make_app(username="cperez", require_password=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, SignInModal)
        assert app.context is None  # nothing of the agenda is read before signing in
        await pilot.press(*"mala-clave", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SignInModal)
        message = str(modal.query_one("#sign-in-message", Static).render())
        assert "incorrectos" in message
        assert modal.query_one("#sign-in-password", Input).value == ""
        await pilot.press(*"clave-de-carla", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)
        assert app.context is not None and app.context.viewer.username == "cperez"
        assert app.screen.query_one(AgendaTable).row_count > 0


async def test_no_password_set_yet_opens_directly(make_app: MakeApp) -> None:
    app = make_app(username="cperez", require_password=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)
