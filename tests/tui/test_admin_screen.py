"""The admin screen (A from the agenda): admins only; disabling a user and giving a
reassignment back with a key, through the same services as the commands."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable

from tests.tui.conftest import TODAY, settle
from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.reassign import reassign
from totalfact_tui.services.users import list_users
from totalfact_tui.tui.app import TotalfactApp
from totalfact_tui.tui.screens.admin import AdminScreen
from totalfact_tui.tui.screens.agenda import AgendaScreen

MakeApp = Callable[..., TotalfactApp]


async def test_only_admins_open_it(make_app: MakeApp) -> None:
    app = make_app(username="jefe")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)


async def test_disable_a_user_and_undo_a_reassignment(make_app: MakeApp, demo_url: str) -> None:
    database = open_app_database(demo_url)
    moved = reassign(database, "mrojas", ["jsoto"], TODAY, TODAY, acting="admin")
    database.dispose()
    assert moved.items > 0
    app = make_app(username="admin")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AdminScreen)
        users = screen.query_one("#admin-users", DataTable)
        users.move_cursor(row=users.get_row_index("vmunoz"))
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        moves = screen.query_one("#admin-reassign", DataTable)
        assert moves.row_count == 1
        await pilot.press("u")
        await settle(pilot)
    database = open_app_database(demo_url)
    assert [u.active for u in list_users(database) if u.username == "vmunoz"] == [False]
    from totalfact_tui.services.reassign import list_reassignments

    assert [m.active for m in list_reassignments(database)] == [False]
    database.dispose()


async def test_cover_an_absence_and_change_members_with_a_few_keys(
    make_app: MakeApp, demo_url: str
) -> None:
    from textual.widgets import Input

    from totalfact_tui.services.groups import add_group, list_groups
    from totalfact_tui.services.reassign import list_reassignments

    database = open_app_database(demo_url)
    add_group(database, "Norte", acting="admin")
    database.dispose()
    app = make_app(username="admin")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("3", "n")
        await settle(pilot)
        form = app.screen
        form.query_one("#reassign-from", Input).value = "mrojas"
        form.query_one("#reassign-to", Input).value = "jsoto,cperez"
        form.query_one("#reassign-split", Input).value = "balance"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AdminScreen)
        assert app.screen.query_one("#admin-reassign", DataTable).row_count == 1
        await pilot.press("2")
        await settle(pilot)
        groups = app.screen.query_one("#admin-groups", DataTable)
        groups.move_cursor(row=groups.get_row_index("Norte"))
        await pilot.press("m")
        await settle(pilot)
        await pilot.press(*"+cperez +jsoto", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AdminScreen)
    database = open_app_database(demo_url)
    (move,) = list_reassignments(database)
    assert (move.from_user, move.split, move.active) == ("mrojas", "balance", True)
    assert [g.members for g in list_groups(database) if g.name == "Norte"] == [("cperez", "jsoto")]
    database.dispose()


async def test_assign_customers_from_the_admin_screen(make_app: MakeApp, demo_url: str) -> None:
    """Tab 4: search, mark two customers with space, assign them to a group with a; then
    assign by segment with b. Both go through the same service as `totalfact assign`."""
    from textual.widgets import Input

    from totalfact_tui.services.assignments import list_customers
    from totalfact_tui.services.groups import add_group

    database = open_app_database(demo_url)
    add_group(database, "Norte", acting="admin")
    customers = list_customers(database)
    first, second = customers[0], customers[1]
    segment = next(c.segment for c in customers if c.segment)
    database.dispose()
    app = make_app(username="admin")
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AdminScreen)
        table = screen.query_one("#admin-customers", DataTable)
        assert table.row_count == len(customers)
        await pilot.press("slash", *first.name[:12])
        await settle(pilot)
        assert 1 <= table.row_count < len(customers)
        assert first.rut in table.rows
        await pilot.press("enter")  # back to the list
        screen.query_one("#admin-search", Input).value = ""
        await settle(pilot)
        table.move_cursor(row=table.get_row_index(first.rut))
        await pilot.press("space")
        table.move_cursor(row=table.get_row_index(second.rut))
        await pilot.press("space")
        assert screen.marked == {first.rut, second.rut}
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"Norte", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AdminScreen)
        assert screen.marked == set()
        assert str(table.get_row(first.rut)[4]) == "grupo Norte"
        await pilot.press("b")
        await settle(pilot)
        form = app.screen
        form.query_one("#assign-to", Input).value = "jsoto"
        form.query_one("#assign-min-balance", Input).value = "mucho"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert form is app.screen  # a bad amount keeps the form open
        form.query_one("#assign-min-balance", Input).value = ""
        form.query_one("#assign-segment", Input).value = segment
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AdminScreen)
    database = open_app_database(demo_url)
    after = {c.rut: c for c in list_customers(database)}
    database.dispose()
    for customer in (first, second):
        if customer.segment != segment:
            assert (after[customer.rut].owner, after[customer.rut].owner_kind) == ("Norte", "group")
    assert all(c.owner == "jsoto" for c in after.values() if c.segment == segment)
