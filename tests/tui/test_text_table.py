"""The app's table (tui/widgets/plain.py): its columns fit their cells from the first
paint. DataTable widens them only once idle, and a paint in between stayed cut to the
headers' width ("FE 1" for "FE 1235") until the cursor moved."""

from __future__ import annotations

from typing import Any

import pytest
from rich.segment import Segment
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from totalfact_tui.tui.widgets import plain
from totalfact_tui.tui.widgets.plain import TextTable


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield TextTable()


async def test_a_row_painted_at_once_is_not_cut_to_the_header() -> None:
    app = OneTable()
    async with app.run_test(size=(60, 6)) as pilot:
        table = app.query_one(TextTable)
        table.add_column("Doc.", key="doc")
        table.add_column("Saldo", key="balance")
        await pilot.pause()
        table.add_row("FE 1235", "$3.547.426")
        line = table.render_line(1).text  # painted before the table is idle again
        assert "FE 1235" in line and "$3.547.426" in line, line


# -- the fast cell painting: the same segments as DataTable's own -------------------------

WIDTHS = (3, 5, 9, 14, 30)  # each column's width, so that some cells are cut


def cells() -> list[object]:
    """The cells the app's tables hold, and the edges of what a one-line cell can be."""
    flags = Text()  # as agenda_table.flags builds them: default end, no overflow set
    flags.append("⚠2", style="bold red")
    flags.append("✉", style="cyan")
    return [
        "FE 1235",
        "",
        "una descripción de historia que no cabe en ninguna columna",
        "日本語のテキスト",  # double-width characters
        "  spaced  ",
        Text("$3.547.426", justify="right"),
        Text("centro", justify="center"),
        Text("izquierda", justify="left"),
        Text("full justify", justify="full"),
        Text("cortado", overflow="crop"),
        Text("estilo", style="bold green"),
        Text.assemble(("rojo", "red"), " y ", ("azul", "on blue")),
        flags,
    ]


async def test_cells_paint_as_datatable_paints_them() -> None:
    """Every usual cell, cut or not, under the cursor or the mouse or neither, focused
    or not: TextTable's painting gives the segments (text and style) DataTable's gives.
    A Textual upgrade that changes how DataTable paints fails here."""
    app = OneTable()
    async with app.run_test(size=(100, 8)) as pilot:
        table = app.query_one(TextTable)
        for index, width in enumerate(WIDTHS):
            table.add_column(f"c{index}", key=f"c{index}", width=width)
        values = cells()
        for start in range(0, len(values)):
            row = [values[(start + i) % len(values)] for i in range(len(WIDTHS))]
            table.add_row(*row)
        await pilot.pause()
        compared = 0
        for focused in (True, False):
            if focused:
                table.focus()
            else:
                table.blur()
            await pilot.pause()
            table._pseudo_class_state = table.get_pseudo_class_state()
            for row_index in range(table.row_count):
                for column_index, width in enumerate(WIDTHS):
                    for cursor in (False, True):
                        for hover in (False, True):
                            base = table.rich_style
                            arguments = (row_index, column_index, base, width + 2, cursor, hover)
                            table._cell_render_cache.clear()
                            ours = table._render_cell(*arguments)
                            table._cell_render_cache.clear()
                            theirs = DataTable._render_cell(table, *arguments)
                            assert len(ours) == len(theirs) == 1
                            assert list(Segment.simplify(ours[0])) == list(
                                Segment.simplify(theirs[0])
                            ), (values, row_index, column_index, cursor, hover)
                            compared += 1
        assert compared == 2 * table.row_count * len(WIDTHS) * 4


async def test_the_fast_way_is_taken_for_text_cells_and_not_for_the_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The comparison above would pass if TextTable always took DataTable's way."""
    calls: list[int] = []
    real = plain._one_line

    def counted(*arguments: Any) -> list[Segment]:
        calls.append(1)
        return real(*arguments)

    monkeypatch.setattr(plain, "_one_line", counted)
    app = OneTable()
    async with app.run_test(size=(60, 6)) as pilot:
        table = app.query_one(TextTable)
        table.add_column("Doc.", key="doc")
        table.add_column("Saldo", key="balance")
        table.add_row("FE 1235", Text("$3.547.426", justify="right"))
        table.add_row("FE 1236", "x\ny", height=2)  # two lines high: DataTable's way
        await pilot.pause()
        screen = app.screen._compositor.render_update(full=True)
        assert screen is not None
        assert len(calls) == 2, calls  # the two cells of the first row, not the header
