"""The app's text widgets, which show strings exactly as written.

Textual reads a string as markup in most widgets: a customer named ``Sur [/b] Ltda`` in
an invoice's XML, a contact's name or a bracket in a comment would be restyled or,
worse, crash the screen while it paints. The translation catalog holds no markup, so
the app never needs it: every screen takes ``Static``, ``Label``, ``OptionList``,
``Select`` and its tables (:class:`TextTable`) from here, and a test holds that.
A :class:`~rich.text.Text` or :class:`~textual.content.Content` keeps its styles.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import widgets
from textual._types import SegmentLines
from textual.widgets.data_table import ColumnKey, RowKey

SelectType = TypeVar("SelectType")


def plain(value: object) -> object:
    """``value`` as it may be shown: a string becomes unstyled text."""
    return Text(value, end="") if isinstance(value, str) else value


class Static(widgets.Static):
    def __init__(self, content: Any = "", *, markup: bool = False, **kwargs: Any) -> None:
        super().__init__(content, markup=markup, **kwargs)


class Label(widgets.Label):
    def __init__(self, content: Any = "", *, markup: bool = False, **kwargs: Any) -> None:
        super().__init__(content, markup=markup, **kwargs)


class OptionList(widgets.OptionList):
    def __init__(self, *content: Any, markup: bool = False, **kwargs: Any) -> None:
        super().__init__(*content, markup=markup, **kwargs)


def _plain_options(
    options: Iterable[tuple[RenderableType, SelectType]],
) -> list[tuple[RenderableType, SelectType]]:
    return [(plain(prompt), value) for prompt, value in options]  # type: ignore[misc]


class Select(widgets.Select[SelectType]):
    def __init__(self, options: Iterable[tuple[RenderableType, SelectType]], **kwargs: Any) -> None:
        super().__init__(_plain_options(options), **kwargs)

    def set_options(self, options: Iterable[tuple[RenderableType, SelectType]]) -> None:
        super().set_options(_plain_options(options))


def _cell(value: object) -> object:
    """A table cell: one line, cut with an ellipsis (rows are one line high; a text
    that may not wrap also renders in a fraction of the time)."""
    if isinstance(value, str):
        return Text(value, end="", no_wrap=True, overflow="ellipsis")
    return value


def _one_line(cell: Text, width: int, padding: int, console: Console) -> list[Segment]:
    """``cell`` as one line of ``width`` cells with ``padding`` blanks each side: what
    Rich renders for it in a one-line row (see TextTable._render_cell), without its
    general machinery (padding, wrapping and cropping renderables of any height)."""
    inner = width - 2 * padding
    options = console.options
    justify = cell.justify or options.justify or "default"
    overflow = cell.overflow or options.overflow or "fold"
    line = cell.copy()
    if justify == "left":
        line.truncate(inner, overflow=overflow, pad=True)
    elif justify == "center":
        line.rstrip()
        line.truncate(inner, overflow=overflow)
        line.pad_left((inner - line.cell_len) // 2)
        line.pad_right(inner - line.cell_len)
    elif justify == "right":
        line.rstrip()
        line.truncate(inner, overflow=overflow)
        line.pad_left(inner - line.cell_len)
    line.truncate(inner, overflow=overflow)
    if line.spans:
        text = list(line.render(console))
    else:  # (Text.render leaves out the style of a text without spans)
        text = [Segment(line.plain, console.get_style(line.style, default=Style.null()))]
    blank = Segment(" " * padding)
    return [blank, *text, Segment(" " * (inner - line.cell_len)), blank]


class TextTable(widgets.DataTable[Any]):
    """A DataTable that never reads markup from its cells, whose columns fit their cells
    from the first paint, and which paints its usual cells fast."""

    def add_row(
        self,
        *cells: Any,
        height: int | None = 1,
        key: str | None = None,
        label: str | Text | None = None,
    ) -> RowKey:
        shown = [_cell(cell) for cell in cells]
        row_key = super().add_row(
            *shown,
            height=height,
            key=key,
            label=plain(label),  # type: ignore[arg-type]
        )
        # DataTable widens its columns to their cells only once it is idle, and its line
        # cache does not notice: a paint in between kept the columns cut to their
        # headers' width ("FE 1" for "FE 1235") until the cursor moved. Widen them now.
        # (The columns in their order: ours are never moved or removed.)
        for column, cell in zip(self.columns.values(), shown, strict=False):
            if isinstance(cell, Text):
                column.content_width = max(column.content_width, cell.cell_len)
        return row_key

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: Any,
        *,
        update_width: bool = False,
    ) -> None:
        # (update_cell_at comes through here too.)
        super().update_cell(row_key, column_key, _cell(value), update_width=update_width)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        # Painting a screen of tables is mostly this call: DataTable renders each cell
        # through Rich's general layout (Padding, Styled, render_lines), about 60 us a
        # cell, 250 cells a screen. A one-line text cell of a one-line row, nearly every
        # cell here, is cut and padded directly instead, in a sixth of the time, to the
        # same segments (tests/tui/test_text_table.py compares the two). Anything else,
        # the header included, takes DataTable's way.
        row_key = self._row_locations.get_key(row_index) if row_index >= 0 else None
        column_key = self._column_locations.get_key(column_index)
        row = self.rows.get(row_key) if row_key is not None else None
        if (
            row_key is None
            or column_key is None
            or row is None
            or row.height != 1
            or column_index < self.fixed_columns
            or row_index < self.fixed_rows
            or width <= 2 * self.cell_padding
        ):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache_key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        _label, cells = self._get_row_renderables(row_index)
        cell = cells[column_index]
        if not isinstance(cell, Text) or "\n" in cell.plain or "\t" in cell.plain:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index})
        segments = _one_line(cell, width, self.cell_padding, self.app.console)
        lines = [list(Segment.apply_style(segments, pre_style + component_style, post_style))]
        self._cell_render_cache[cache_key] = lines
        return lines
