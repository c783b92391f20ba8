"""The app's table (tui/widgets/plain.py): its columns fit their cells from the first
paint. DataTable widens them only once idle, and a paint in between stayed cut to the
headers' width ("FE 1" for "FE 1235") until the cursor moved."""

from __future__ import annotations

from textual.app import App, ComposeResult

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
