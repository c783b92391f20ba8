"""One detail screen is kept and refilled per invoice (show_detail): it must never show
anything of the invoice it showed before, must not be refilled while in use, and keys
typed while it opens must reach it, not the agenda."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from textual.widgets import DataTable

from tests.tui.conftest import settle
from totalfact_tui.db.models import Document
from totalfact_tui.db.session import Database
from totalfact_tui.services import invoice_view
from totalfact_tui.services.database import open_app_database
from totalfact_tui.tui.app import TotalfactApp
from totalfact_tui.tui.modals.log_call import LogCallModal
from totalfact_tui.tui.screens.agenda import AgendaScreen
from totalfact_tui.tui.screens.detail import SHOW_LOADING_AFTER, DetailScreen
from totalfact_tui.tui.widgets.agenda_table import AgendaTable

MakeApp = Callable[..., TotalfactApp]


def customers_of(url: str, document_ids: list[int]) -> dict[int, int]:
    database = open_app_database(url)
    try:
        with database.read() as session:
            return {i: session.get(Document, i).customer_id for i in document_ids}  # type: ignore[union-attr]
    finally:
        database.dispose()


def open_ids(url: str, customer_id: int) -> set[int]:
    from sqlalchemy import select

    database = open_app_database(url)
    try:
        with database.read() as session:
            return set(
                session.scalars(
                    select(Document.id).where(Document.customer_id == customer_id, Document.is_open)
                )
            )
    finally:
        database.dispose()


def two_customers(app: TotalfactApp, url: str) -> tuple[int, int]:
    """The first invoice of the agenda, and one of another customer."""
    table = app.screen.query_one(AgendaTable)
    keys = [str(key.value) for key in table.rows if str(key.value).startswith("d:")]
    ids = [int(key[2:]) for key in keys]
    customers = customers_of(url, ids)
    first = ids[0]
    second = next(i for i in ids if customers[i] != customers[first])
    return first, second


@contextmanager
def writes_to(database: Database) -> Iterator[list[str]]:
    """The statements that write (or take SQLite's write lock) while inside."""
    from sqlalchemy import event

    writes: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        # SQLite's write transactions begin IMMEDIATE: they take the lock at once.
        verbs = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")
        if statement.lstrip().upper().startswith(verbs):
            writes.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield writes
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def header(screen: DetailScreen) -> str:
    return str(screen.query_one("#customer-header").render())


def invoice_keys(screen: DetailScreen) -> set[int]:
    table = screen.query_one("#invoices", DataTable)
    return {int(str(key.value)) for key in table.rows}


async def back_and_open(pilot: Any, app: TotalfactApp, document_id: int) -> None:
    await pilot.press("escape")
    await settle(pilot)
    assert isinstance(app.screen, AgendaScreen)
    table = app.screen.query_one(AgendaTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(f"d:{document_id}"))
    await pilot.press("enter")
    await settle(pilot)


async def open_row(pilot: Any, app: TotalfactApp) -> DetailScreen:
    """Enter on the agenda's current row; the detail screen once it has settled."""
    await pilot.press("enter")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, DetailScreen)
    return screen


async def test_the_kept_screen_shows_only_the_invoice_opened(
    make_app: MakeApp, demo_url: str
) -> None:
    app = make_app(close_detail_after_log=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first, second = two_customers(app, demo_url)
        screen = await open_row(pilot, app)
        assert screen.view is not None
        first_name = screen.view.customer.name
        # Leave traces: another invoice marked, a call logged, the cursor moved down.
        if len(invoice_keys(screen)) > 1:
            await pilot.press("down", "space")
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LogCallModal)
        await pilot.press("1", "f2")
        await settle(pilot)
        assert app.screen is screen and screen.logged
        screen.query_one("#history", DataTable).move_cursor(row=5)

        await back_and_open(pilot, app, second)

        assert app.screen is screen  # the same screen, refilled
        assert screen.view is not None
        assert screen.document_id == second == screen.view.invoice.document_id
        assert first_name not in header(screen)
        assert screen.view.customer.name in header(screen)
        second_customer = customers_of(demo_url, [second])[second]
        assert invoice_keys(screen) == open_ids(demo_url, second_customer)
        assert first not in invoice_keys(screen)
        assert screen.selected == {second}
        assert not screen.logged
        invoices = screen.query_one("#invoices", DataTable)
        assert (invoices.cursor_row, app.focused) == (0, invoices)
        assert screen.query_one("#history", DataTable).scroll_y == 0


async def type_ahead(app: TotalfactApp, screen: Any = None) -> None:
    """Enter, then `l` as soon as the invoice is opening (before it is read)."""
    app.simulate_key("enter")
    for _ in range(2000):
        if app.held_keys is not None:
            break
        await asyncio.sleep(0.001)
    assert screen is None or screen.opening is not None
    assert screen is None or screen.view is None
    app.simulate_key("l")


async def test_keys_typed_while_it_opens_reach_it(make_app: MakeApp, demo_url: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first, second = two_customers(app, demo_url)
        # The first time: a new screen, shown at once, still reading its invoice.
        await type_ahead(app)
        kept = app.screen
        assert isinstance(kept, DetailScreen) and kept.view is None
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogCallModal)
        assert app.screen_stack[-2] is kept
        assert first in [r.document_id for r in modal.rows]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is kept
        await pilot.press("escape")
        await settle(pilot)
        table = app.screen.query_one(AgendaTable)
        table.move_cursor(row=table.get_row_index(f"d:{second}"))
        # Then the kept screen, refilled while pushed and not yet painted: `l` must
        # not reach the agenda.
        await type_ahead(app, kept)
        assert kept.opening is not None and kept.opening.unpainted is not None
        assert app.held_keys is not None and kept.view is None
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogCallModal)
        assert app.screen_stack[-2] is kept
        assert [r.document_id for r in modal.rows] == [second]
        assert app.held_keys is None


async def test_a_read_for_the_last_invoice_is_never_shown(make_app: MakeApp, demo_url: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first, second = two_customers(app, demo_url)
        screen = await open_row(pilot, app)
        assert screen.view is not None
        stale = screen.view
        await back_and_open(pilot, app, second)
        assert app.screen is screen
        screen._show(stale)  # a slow read of the first invoice, arriving late
        assert screen.view is not None and screen.view.invoice.document_id != first
        assert stale.customer.name not in header(screen)
        assert first not in invoice_keys(screen)


async def test_a_kept_screen_in_use_is_left_alone(make_app: MakeApp, demo_url: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first, second = two_customers(app, demo_url)
        kept = await open_row(pilot, app)
        # Shown: another invoice opened from the palette gets a screen of its own.
        app.open_invoice(second)
        await settle(pilot)
        other = app.screen
        assert isinstance(other, DetailScreen) and other is not kept
        assert other.document_id == second
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is kept and kept.document_id == first
        assert kept.view is not None and kept.view.invoice.document_id == first
        await pilot.press("escape")
        await settle(pilot)
        # Busy: a worker of it still running (a slow save, say).
        release = threading.Event()
        try:
            kept.run_worker(release.wait, thread=True)
            app.open_invoice(second)
            await pilot.pause(0.2)
            shown, refilled = app.screen, kept.document_id
        finally:
            release.set()
        assert isinstance(shown, DetailScreen) and shown is not kept
        assert refilled == first
        await settle(pilot)


async def test_an_invoice_that_cannot_be_read_leaves_the_agenda(
    make_app: MakeApp, demo_url: str
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_row(pilot, app)
        await pilot.press("escape")
        await settle(pilot)
        app.open_invoice(987_654_321)
        await settle(pilot)
        await pilot.pause(SHOW_LOADING_AFTER * 3)
        assert isinstance(app.screen, AgendaScreen)
        assert any("987654321" in n.message for n in app._notifications)
        assert app.held_keys is None
        await pilot.press("down")  # keys work again
        await settle(pilot)
        assert app.screen.query_one(AgendaTable).cursor_row == 1


async def test_a_slow_read_shows_the_loading_screen_first(
    make_app: MakeApp, demo_url: str, monkeypatch: Any
) -> None:
    real = invoice_view.load_invoice_view

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(SHOW_LOADING_AFTER * 5)
        return real(*args, **kwargs)

    from totalfact_tui.tui.screens import detail

    # Enter's own read is the subject: no read ahead (a loaded machine can let the
    # cursor rest long enough for one before Enter arrives).
    monkeypatch.setattr(detail, "PREVIEW_AFTER", 60.0)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _first, second = two_customers(app, demo_url)
        kept = await open_row(pilot, app)
        await pilot.press("escape")
        await settle(pilot)
        monkeypatch.setattr(invoice_view, "load_invoice_view", slow)
        table = app.screen.query_one(AgendaTable)
        table.move_cursor(row=table.get_row_index(f"d:{second}"))
        await pilot.press("enter")
        await pilot.pause(SHOW_LOADING_AFTER * 2)
        assert app.screen is kept
        assert isinstance(kept, DetailScreen) and kept.view is None
        assert "Cargando" in header(kept)
        assert invoice_keys(kept) == set()
        await settle(pilot)
        assert kept.view is not None and kept.document_id == second
        assert second in invoice_keys(kept)


async def test_a_very_slow_read_never_swallows_escape(
    make_app: MakeApp, demo_url: str, monkeypatch: Any
) -> None:
    """Escape typed while an invoice is read is held for the detail screen, and given to
    it after HOLD_KEYS_AT_MOST even though the read goes on: back on the agenda long
    before the read ends. (Judged by what happens, not by the clock: the first opening
    composes the screen, which takes a slow machine most of a second.)"""
    from totalfact_tui.tui.screens import detail

    real = invoice_view.load_invoice_view
    read_takes = 3.0

    def very_slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(read_takes)
        return real(*args, **kwargs)

    monkeypatch.setattr(detail, "HOLD_KEYS_AT_MOST", 1.0)
    monkeypatch.setattr(detail, "PREVIEW_AFTER", 60.0)  # Enter's own read is the subject
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(invoice_view, "load_invoice_view", very_slow)
        started = time.monotonic()
        app.simulate_key("enter")
        await pilot.pause(0.05)
        app.simulate_key("escape")  # held: the invoice is still being read
        await pilot.pause(0.05)
        assert isinstance(app.screen, DetailScreen) and app.screen.view is None
        assert [key.key for key in app.held_keys or []] == ["escape"]
        while not isinstance(app.screen, AgendaScreen):  # the escape, once released
            assert time.monotonic() - started < read_takes, "escape waited for the read"
            await pilot.pause(0.05)
        assert app.held_keys is None
        await settle(pilot)  # the read ends; nothing comes back
        assert isinstance(app.screen, AgendaScreen)


async def test_a_big_customers_invoices_come_in_two_parts(
    make_app: MakeApp, demo_url: str, monkeypatch: Any
) -> None:
    from totalfact_tui.tui.screens import detail

    monkeypatch.setattr(detail, "FIRST_INVOICES", 2)
    shown: list[int] = []
    real_show = DetailScreen._show

    def counting_show(self: DetailScreen, view: Any, opened: bool = True) -> None:
        real_show(self, view, opened)
        shown.append(self.query_one("#invoices", DataTable).row_count)

    monkeypatch.setattr(DetailScreen, "_show", counting_show)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_row(pilot, app)
        assert screen.view is not None
        first = screen.document_id
        customer = customers_of(demo_url, [first])[first]
        everything = open_ids(demo_url, customer)
        assert len(everything) > 3
        assert shown == [3]  # the invoice and two others painted first
        assert invoice_keys(screen) == everything  # then the rest, below them
        assert screen.view.more_ids == ()
        assert {screen.view.invoice.document_id} | {
            row.document_id for row in screen.view.others
        } == everything
        keys = [int(str(key.value)) for key in screen.query_one("#invoices", DataTable).rows]
        assert keys[0] == first and len(keys) == len(set(keys))
        # Rows read for a view that has been read again since are dropped, not doubled.
        stale = screen.view
        await pilot.press("r")
        await settle(pilot)
        screen._show_more(stale, list(stale.others))
        assert screen.query_one("#invoices", DataTable).row_count == len(everything)


async def test_opening_writes_only_to_mark_notes_read(make_app: MakeApp, demo_url: str) -> None:
    """Opening an invoice marks its unread notes read; with none, it writes nothing
    (a write takes SQLite's lock, which the watcher and the others wait for)."""
    from totalfact_tui.services.notes import add_note

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first, second = two_customers(app, demo_url)
        assert app.context is not None
        database = app.context.database
        add_note(database, "mrojas", second, "Llamar a tesorería")
        with writes_to(database) as writes:
            app.open_invoice(first)
            await settle(pilot)
            assert isinstance(app.screen, DetailScreen) and app.screen.view is not None
            assert writes == []
            await pilot.press("escape")
            await settle(pilot)
            app.open_invoice(second)
            await settle(pilot)
            assert isinstance(app.screen, DetailScreen) and app.screen.view is not None
            assert any("note_reads" in w for w in writes), writes
        viewer = app.context.viewer.user_id
    from sqlalchemy import select

    from totalfact_tui.db.models import Note, NoteRead

    check = open_app_database(demo_url)
    try:
        with check.read() as session:
            note = session.scalars(select(Note).where(Note.document_id == second)).one()
            read = session.get(NoteRead, (note.id, viewer))
            assert read is not None
    finally:
        check.dispose()
