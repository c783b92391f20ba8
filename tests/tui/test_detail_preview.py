"""Resting on an agenda row reads its invoice ahead into the kept detail screen
(preview_detail): Enter then shows it at once, and reads it again to confirm. A preview
writes nothing, moving down the agenda reads nothing, what changed since the preview
shows once opened, and an old preview is read again before it shows."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from textual.widgets import DataTable

from tests.tui.conftest import settle
from tests.tui.test_detail_reuse import (
    customers_of,
    header,
    two_customers,
    type_ahead,
    writes_to,
)
from totalfact_tui.services import invoice_view
from totalfact_tui.services.actions import ActionForm, log_action
from totalfact_tui.tui.app import TotalfactApp
from totalfact_tui.tui.modals.log_call import LogCallModal
from totalfact_tui.tui.screens import detail
from totalfact_tui.tui.screens.agenda import AgendaScreen
from totalfact_tui.tui.screens.detail import PREVIEW_AFTER, DetailScreen, describe
from totalfact_tui.tui.widgets.agenda_table import AgendaTable

MakeApp = Callable[..., TotalfactApp]


class Reads:
    """Counts the invoice reads (of any thread), and can hold them up."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ids: list[int] = []
        self.delay = 0.0
        self.fail = False
        real = invoice_view.load_invoice_view

        def counted(database: Any, document_id: int, *args: Any, **kwargs: Any) -> Any:
            self.ids.append(document_id)
            time.sleep(self.delay)
            if self.fail:
                raise RuntimeError("la base de datos no responde")
            return real(database, document_id, *args, **kwargs)

        monkeypatch.setattr(invoice_view, "load_invoice_view", counted)


@asynccontextmanager
async def opened_once(
    make_app: MakeApp, demo_url: str, **settings: Any
) -> AsyncIterator[tuple[TotalfactApp, Any, DetailScreen, int, int]]:
    """The app on its agenda, after opening the first row and going back (the kept
    screen exists from then on): the app, its pilot, the kept screen, the first row's
    invoice and one of another customer."""
    app = make_app(**settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first, second = two_customers(app, demo_url)
        await pilot.press("enter")
        await settle(pilot)
        kept = app.screen
        assert isinstance(kept, DetailScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)
        yield app, pilot, kept, first, second


async def rest_on(pilot: Any, app: TotalfactApp, document_id: int) -> None:
    table = app.screen.query_one(AgendaTable)
    table.move_cursor(row=table.get_row_index(f"d:{document_id}"))
    await pilot.pause(PREVIEW_AFTER * 2)
    await settle(pilot)


async def test_resting_on_a_row_reads_it_ahead_and_enter_shows_it_at_once(
    make_app: MakeApp, demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with opened_once(make_app, demo_url) as (app, pilot, kept, _first, second):
        reads = Reads(monkeypatch)
        await rest_on(pilot, app, second)
        assert reads.ids == [second]  # read ahead, off screen
        assert isinstance(app.screen, AgendaScreen)
        assert kept.view is not None and kept.document_id == second
        preview = kept.view
        reads.delay = 0.3  # the reads from now on: the opening's, to confirm
        app.simulate_key("enter")
        await pilot.pause(0.1)
        # Shown with its data, the opening's read still under way: no read stood
        # between Enter and the screen.
        assert app.screen is kept and kept.view is preview
        assert preview.customer.name in header(kept)
        assert reads.ids == [second, second] and kept.reading_for == second
        await settle(pilot)
        assert kept.reading_for is None and kept.view == preview
        assert app.screen is kept and kept.opened
        await pilot.press("l")  # and worked as ever
        await settle(pilot)
        assert isinstance(app.screen, LogCallModal)
        assert [row.document_id for row in app.screen.rows] == [second]


async def test_moving_down_the_agenda_reads_nothing_until_the_cursor_rests(
    make_app: MakeApp, demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with opened_once(make_app, demo_url) as (app, pilot, _kept, _first, _second):
        reads = Reads(monkeypatch)
        table = app.screen.query_one(AgendaTable)
        for _ in range(5):  # faster than PREVIEW_AFTER, as a held-down key
            await pilot.press("down")
        landed = table.current_key()
        await pilot.pause(PREVIEW_AFTER * 2)
        await settle(pilot)
        assert landed is not None and reads.ids == [int(landed[2:])]


async def test_a_preview_writes_nothing_and_the_opening_does(
    make_app: MakeApp, demo_url: str
) -> None:
    """A note unread stays unread while the invoice is only previewed; opening it marks
    it read (and a pool item is claimed by the opening alike, not the preview)."""
    from totalfact_tui.services.notes import add_note

    async with opened_once(make_app, demo_url) as (app, pilot, kept, _first, second):
        assert app.context is not None
        database = app.context.database
        add_note(database, "mrojas", second, "Llamar a tesorería")
        with writes_to(database) as writes:
            await rest_on(pilot, app, second)
            assert kept.view is not None and kept.view.invoice.note_unread
            assert writes == []
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is kept
            assert any("note_reads" in w for w in writes), writes


async def test_a_pool_item_is_claimed_by_opening_it_not_by_reading_it_ahead(
    make_app: MakeApp, demo_url: str
) -> None:
    from sqlalchemy import select

    from totalfact_tui.db.models import Document, User
    from totalfact_tui.services.database import open_app_database

    def claims(document_id: int) -> str | None:
        database = open_app_database(demo_url)
        try:
            with database.read() as session:
                return session.scalar(
                    select(User.username)
                    .join(Document, Document.claimed_by_id == User.id)
                    .where(Document.id == document_id)
                )
        finally:
            database.dispose()

    # jsoto: a member of the demo's pool group.
    async with opened_once(make_app, demo_url, username="jsoto") as (app, pilot, kept, first, _):
        table = app.screen.query_one(AgendaTable)
        ids = [int(str(k.value)[2:]) for k in table.rows if str(k.value).startswith("d:")]
        database = open_app_database(demo_url)
        try:
            with database.read() as session:
                pool = session.scalars(
                    select(Document.id).where(
                        Document.id.in_([i for i in ids if i != first]),
                        Document.collector_id.is_(None),
                        Document.group_id.is_not(None),
                    )
                ).first()
        finally:
            database.dispose()
        assert pool is not None, "the demo's pool group has items on jsoto's agenda"
        await rest_on(pilot, app, pool)
        assert kept.view is not None and kept.document_id == pool
        assert claims(pool) is None
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is kept
        assert claims(pool) == "jsoto"


async def test_what_changed_since_the_preview_shows_once_opened(
    make_app: MakeApp, demo_url: str
) -> None:
    async with opened_once(make_app, demo_url) as (app, pilot, kept, _first, second):
        await rest_on(pilot, app, second)
        assert kept.view is not None
        preview = kept.view
        # Meanwhile the same invoice is worked from another terminal.
        assert app.context is not None
        log_action(
            app.context.database,
            "cperez",
            ActionForm((second,), "no_contesta", comment="desde otro terminal"),
            app.context.settings.current_day(),
        )
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is kept and kept.view is not None
        assert kept.view.invoice.version > preview.invoice.version
        newest = kept.view.history[0]
        assert "desde otro terminal" in describe(newest)
        history = kept.query_one("#history", DataTable)
        assert "desde otro terminal" in str(history.get_row_at(0)[2])


async def test_an_old_preview_is_read_again_before_it_shows(
    make_app: MakeApp, demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with opened_once(make_app, demo_url) as (app, pilot, kept, _first, second):
        await rest_on(pilot, app, second)
        assert kept.view is not None
        monkeypatch.setattr(detail, "PREVIEW_FRESH_FOR", 0.0)
        reads = Reads(monkeypatch)
        reads.delay = 0.1
        app.simulate_key("enter")
        await pilot.pause(0.02)
        assert kept.view is None  # being read again, and not painted meanwhile
        assert kept.opening is not None and kept.opening.unpainted is not None
        await settle(pilot)
        assert app.screen is kept and kept.view is not None
        assert reads.ids == [second]


async def test_enter_while_the_preview_is_read_waits_for_that_read(
    make_app: MakeApp, demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter on a row whose preview is under way: no second read before it shows, and
    a key typed meanwhile reaches it."""
    async with opened_once(make_app, demo_url) as (app, pilot, kept, _first, second):
        reads = Reads(monkeypatch)
        reads.delay = 0.15
        table = app.screen.query_one(AgendaTable)
        table.move_cursor(row=table.get_row_index(f"d:{second}"))
        await pilot.pause(PREVIEW_AFTER * 1.5)  # the preview has started, not ended
        assert reads.ids == [second] and kept.view is None
        await type_ahead(app)
        assert kept.opening is not None and kept.view is None
        await settle(pilot)
        assert isinstance(app.screen, LogCallModal)
        assert app.screen_stack[-2] is kept
        assert kept.document_id == second
        assert reads.ids == [second, second]  # the preview, then the opening's


async def test_a_preview_that_fails_says_nothing_and_enter_reads_again(
    make_app: MakeApp, demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with opened_once(make_app, demo_url) as (app, pilot, kept, _first, second):
        reads = Reads(monkeypatch)
        reads.fail = True
        await rest_on(pilot, app, second)
        assert reads.ids == [second] and kept.view is None
        assert not app._notifications  # nobody asked for it yet
        reads.fail = False
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is kept and kept.view is not None
        assert kept.view.invoice.document_id == second
        assert reads.ids == [second, second]


async def test_no_preview_while_the_kept_screen_is_busy(
    make_app: MakeApp, demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker of the kept screen still writing (a slow save, say): resting on a row
    reads nothing into it."""
    async with opened_once(make_app, demo_url) as (app, pilot, kept, first, second):
        reads = Reads(monkeypatch)
        release = threading.Event()
        try:
            kept.run_worker(release.wait, thread=True, group="whatsapp")
            table = app.screen.query_one(AgendaTable)
            table.move_cursor(row=table.get_row_index(f"d:{second}"))
            await pilot.pause(PREVIEW_AFTER * 3)
            assert reads.ids == []
            assert kept.document_id == first
        finally:
            release.set()
        await settle(pilot)
        assert customers_of(demo_url, [second])


async def test_an_invoice_not_read_ahead_is_painted_once_with_its_data(
    make_app: MakeApp, demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter on a row not read ahead: the kept screen is pushed at once, to be styled
    while the invoice is read, but nothing is painted until it has its data (the agenda
    stays as it was): no frame shows its loading header."""
    async with opened_once(make_app, demo_url) as (app, pilot, kept, _first, second):
        reads = Reads(monkeypatch)
        reads.delay = 0.1  # under SHOW_LOADING_AFTER
        frames: list[tuple[object, bool]] = []
        # Textual has no public "frame written" event: App._display writes a frame.
        display = app._display

        def recorded(*args: Any) -> None:
            frames.append((app.screen, kept.view is not None))
            display(*args)

        monkeypatch.setattr(app, "_display", recorded)
        table = app.screen.query_one(AgendaTable)
        table.move_cursor(row=table.get_row_index(f"d:{second}"))
        app.simulate_key("enter")  # at once: nothing read ahead
        await settle(pilot)
        assert app.screen is kept and kept.document_id == second
        assert (kept, True) in frames
        assert (kept, False) not in frames


async def test_a_big_customer_read_ahead_is_not_painted_again_when_opened(
    make_app: MakeApp, demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read ahead, a big customer's invoices come in two parts; the opening's read, of
    the first part, finds it unchanged: nothing is painted again (a repaint of every
    invoice took half a second for a customer with 1,200)."""
    from tests.tui.test_detail_reuse import invoice_keys, open_ids

    monkeypatch.setattr(detail, "FIRST_INVOICES", 2)
    async with opened_once(make_app, demo_url) as (app, pilot, kept, first, _second):
        table = app.screen.query_one(AgendaTable)
        ids = [int(str(k.value)[2:]) for k in table.rows if str(k.value).startswith("d:")]
        customers = customers_of(demo_url, ids)
        # The invoice (not the one opened) of the customer with most open invoices.
        second, everything = max(
            ((i, open_ids(demo_url, customers[i])) for i in ids if i != first),
            key=lambda pair: len(pair[1]),
        )
        assert len(everything) > 3
        await rest_on(pilot, app, second)
        assert invoice_keys(kept) == everything
        painted: list[int] = []
        monkeypatch.setattr(kept, "_fill_invoices", lambda rows: painted.append(len(rows)))
        reads = Reads(monkeypatch)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is kept and reads.ids == [second]
        assert painted == []
        assert invoice_keys(kept) == everything
        assert kept.opened
