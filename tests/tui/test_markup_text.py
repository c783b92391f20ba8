"""Names and comments come from invoices and people: brackets in them are text, never
markup. A customer named ``[/b]`` in an invoice's XML once crashed the agenda while it
painted."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import update
from textual.widget import Widget

import totalfact_tui.tui
from tests.tui.conftest import TODAY, settle
from totalfact_tui.db.models import Contact, Customer
from totalfact_tui.services import agenda
from totalfact_tui.services.database import open_app_database
from totalfact_tui.tui.app import TotalfactApp
from totalfact_tui.tui.widgets.agenda_table import AgendaTable

HOSTILE = "Comercial [/b] [bold]Sur[/] Ltda [link=x]"
CONTACT = "Ana [/i] Soto [red]"


def _rename_first_customer(url: str) -> int:
    """The first invoice on cperez's agenda; its customer and contacts get hostile names."""
    database = open_app_database(url)
    viewer = agenda.person(database, "cperez")
    first = agenda.load_page(database, viewer, agenda.scope_for(viewer), TODAY).rows[0]
    with database.write() as session:
        session.execute(
            update(Customer).where(Customer.id == first.customer_id).values(name=HOSTILE)
        )
        session.execute(
            update(Contact).where(Contact.customer_id == first.customer_id).values(name=CONTACT)
        )
    database.dispose()
    return first.document_id


def _painted(widget: Widget) -> str:
    """The lines a widget paints now, as text."""
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


def _screen_text(app: TotalfactApp) -> str:
    return "\n".join(_painted(widget) for widget in app.screen.query("*"))


async def test_brackets_in_names_are_shown_as_written(
    make_app: Callable[..., TotalfactApp], demo_url: str
) -> None:
    document_id = _rename_first_customer(demo_url)
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(AgendaTable)
        assert table.get_row_index(f"d:{document_id}") == 0
        assert str(table.get_cell(f"d:{document_id}", "customer")) == HOSTILE
        assert HOSTILE[:23] + "…" in _painted(table)  # the column is 24 wide
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "DetailScreen"
        await pilot.pause()
        shown = _screen_text(app)
        assert HOSTILE in shown and CONTACT in shown, shown
        # The call form offers the contacts by name.
        await pilot.press("l")
        await settle(pilot)
        assert type(app.screen).__name__ == "LogCallModal"
        assert CONTACT in _screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        # A notice quoting a name.
        app.notify(f"{HOSTILE}: sin teléfono")
        await pilot.pause()
        assert app.is_running


def test_screens_take_text_widgets_from_plain() -> None:
    """Every screen builds its text widgets from tui/widgets/plain.py (which reads no
    markup); Textual's own read strings as markup."""
    banned = re.compile(
        r"from textual\.widgets import [^\n]*\b(Static|Label|OptionList|Select)\b"
        r"|\byield DataTable\(|\bDataTable\(\s*id="
    )
    root = Path(totalfact_tui.tui.__file__).parent
    offenders = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in root.rglob("*.py")
        if path.name != "plain.py"
        for match in banned.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
