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

from rich.console import RenderableType
from rich.text import Text
from textual import widgets
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


class TextTable(widgets.DataTable[Any]):
    """A DataTable that never reads markup from its cells, and whose columns fit
    their cells from the first paint."""

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
