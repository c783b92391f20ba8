"""The agenda screen, driven with Textual's pilot: what it shows and what it stores."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from tests.tui.conftest import TODAY, settle
from totalfact_tui.db.models import User
from totalfact_tui.services import agenda
from totalfact_tui.services.database import open_app_database
from totalfact_tui.tui.app import TotalfactApp
from totalfact_tui.tui.widgets.agenda_table import AgendaTable

MakeApp = Callable[..., TotalfactApp]


def expected_rows(url: str, username: str = "cperez", order: str = agenda.OLDEST) -> list[Any]:
    database = open_app_database(url)
    viewer = agenda.person(database, username)
    rows = agenda.load_page(database, viewer, agenda.scope_for(viewer), TODAY, order).rows
    database.dispose()
    return rows


def keys(table: AgendaTable) -> list[str]:
    return [row.value or "" for row in table.rows]


async def test_the_agenda_opens_on_the_collectors_items(make_app: MakeApp, demo_url: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(AgendaTable)
        expected = expected_rows(demo_url)
        assert keys(table) == [f"d:{row.document_id}" for row in expected][: table.row_count]
        header = str(app.screen.query_one("#agenda-header").render())
        assert "Carolina Pérez" in header and "26-11-2026" in header
        assert f"{len(expected)} en agenda" in header or "en agenda" in header
        assert app.focused is table


async def test_garbage_collection_is_back_once_the_database_is_open(make_app: MakeApp) -> None:
    """Start-up turns the collector off; it must come back on however start-up ends."""
    import gc

    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert app.context is not None and gc.isenabled()
    quitting = make_app()
    async with quitting.run_test(size=(120, 30)):
        quitting.exit()  # closed before the database is open
    assert gc.isenabled()


async def test_order_toggle_is_remembered(make_app: MakeApp, demo_url: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        table = app.screen.query_one(AgendaTable)
        largest = expected_rows(demo_url, order=agenda.LARGEST)
        assert keys(table)[0] == f"d:{largest[0].document_id}"
        assert "mayores saldos" in str(app.screen.query_one("#agenda-header").render())
    database = open_app_database(demo_url)
    with database.read() as session:
        user = session.scalars(select(User).where(User.username == "cperez")).one()
        assert user.preferences["agenda_order"] == "largest"
    database.dispose()


async def test_search_as_you_type_and_escape(make_app: MakeApp, demo_url: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(AgendaTable)
        before = table.row_count
        target = expected_rows(demo_url)[0]
        word = target.customer_name.split()[1]
        await pilot.press("slash")
        await pilot.press(*word)
        await pilot.pause(0.3)
        await settle(pilot)
        names = [table.get_cell(key, "customer") for key in table.rows]
        assert names and all(word.lower() in str(name).lower() for name in names)
        assert "Filtros" in str(app.screen.query_one("#agenda-filters").render())
        await pilot.press("enter", "escape")
        await settle(pilot)
        assert table.row_count == before


async def test_grouping_by_customer_and_expanding(make_app: MakeApp, demo_url: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        table = app.screen.query_one(AgendaTable)
        assert keys(table) and all(key.startswith("c:") for key in keys(table))
        groups = table.row_count
        await pilot.press("enter")
        await settle(pilot)
        assert table.row_count > groups
        assert keys(table)[0].startswith("c:") and keys(table)[1].startswith("d:")


async def test_days_move_with_brackets(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(AgendaTable)
        today_rows = table.row_count
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        header = str(app.screen.query_one("#agenda-header").render())
        assert "28-11-2026" in header and "no es hoy" in header
        assert table.row_count >= today_rows
        await pilot.press("t")
        await settle(pilot)
        assert "26-11-2026" in str(app.screen.query_one("#agenda-header").render())


async def test_filters_modal(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        app.screen.query_one("#filter-min-balance").value = "2000000"
        await pilot.press("f2")
        await settle(pilot)
        table = app.screen.query_one(AgendaTable)
        balances = [str(table.get_cell(key, "balance")) for key in table.rows]
        assert balances
        assert all(int(b.replace("$", "").replace(".", "")) >= 2_000_000 for b in balances)
        # The form opens again on the filters in force, three-way choices included.
        await pilot.press("f")
        await settle(pilot)
        app.screen.query_one("#filter-promise").value = "no"
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert app.screen.query_one("#filter-promise").value == "no"
        assert app.screen.query_one("#filter-min-balance").value == "2000000"


async def test_managers_switch_collector_and_collectors_cannot(make_app: MakeApp) -> None:
    app = make_app(username="jefe")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        header = str(app.screen.query_one("#agenda-header").render())
        assert "Jefe" not in header and "·" in header
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert any("jefes de cobranza" in n.message for n in app._notifications)


async def test_an_unknown_user_gets_a_notice_not_a_crash(make_app: MakeApp) -> None:
    app = make_app(username="nadie")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert "Usuario desconocido" in str(app.screen.query_one("#agenda-header").render())
        assert app.is_running


async def test_pages_are_read_as_the_cursor_nears_the_end(
    make_app: MakeApp, demo_url: str, monkeypatch: Any
) -> None:
    from totalfact_tui.tui.screens import agenda as screen_module

    monkeypatch.setattr(screen_module, "PAGE", 3)
    monkeypatch.setattr(screen_module, "PREFETCH_MARGIN", 1)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(AgendaTable)
        assert table.row_count == 3
        await pilot.press("down", "down")
        await settle(pilot)
        assert table.row_count == 6
        expected = expected_rows(demo_url)
        assert len(expected) > 6
        assert keys(table) == [f"d:{row.document_id}" for row in expected[:6]]


async def test_question_mark_shows_the_keys(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        from textual.widgets import DataTable

        from totalfact_tui.tui.modals.keys_help import KeysModal

        assert isinstance(app.screen, KeysModal)
        table = app.screen.query_one(DataTable)
        listed = {str(table.get_row(k)[1]): str(table.get_row(k)[0]) for k in table.rows}
        # Every key of the agenda, shown ones and hidden ones, with what it does.
        for description, key in (
            ("Marcar factura", "space"),
            ("Marcar todas", "^a"),
            ("Marcar pagadas", "p"),
            ("Suspender", "h"),
            ("Correo", "m"),
            ("Filtros", "f"),
            ("Comandos", "^p"),
            ("Salir", "q"),
        ):
            assert description in listed, description
            assert listed[description].lower() == key, (description, listed[description])
        await pilot.press("question_mark")
        assert not isinstance(app.screen, KeysModal)


async def test_an_unreachable_database_is_a_notice(tmp_path: Any) -> None:
    from totalfact_tui.tui.context import TuiSettings

    app = TotalfactApp(
        TuiSettings(database_url=f"sqlite:///{tmp_path}/missing/folder/x.db", username="ana")
    )
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert "No se puede abrir la base de datos" in str(
            app.screen.query_one("#agenda-header").render()
        )
        await pilot.press("s", "r", "g")
        await settle(pilot)
        assert app.is_running


async def test_the_remembered_theme_follows_a_theme_change(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert app.current_theme.name == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light" and app.current_theme.name == "textual-light"
        assert not app.current_theme.dark
