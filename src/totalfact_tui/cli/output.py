"""Printing lists as a table, JSON, CSV or XLSX, to the screen or a file.

A report may hold several tables: the screen shows each under its title, JSON is an
object with one list per table, CSV writes them one after another (each block starts
with a row holding the table's name), XLSX has one sheet per table with typed cells."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from totalfact_tui.domain.errors import TotalfactError
from totalfact_tui.domain.money import format_clp
from totalfact_tui.i18n import format_date, t

if TYPE_CHECKING:
    from rich.console import Console


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # message key
    kind: str = "text"  # text | int | money | number | date | bool | state | role | reason


@dataclass(frozen=True)
class Table:
    """One table of a report: ``name`` keys it in JSON, names its CSV block and XLSX
    sheet; ``title`` is the message key of its heading on screen."""

    name: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[dict[str, Any]]


def json_default(value: object) -> object:
    """JSON for dates (ISO 8601) and decimals (exact strings)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def cell(value: Any, kind: str) -> str:
    """One value as the table shows it (money, dates, yes/no, states, roles)."""
    if value is None:
        return ""
    formatters: dict[str, Callable[[Any], str]] = {
        "money": lambda v: format_clp(int(v)),
        "date": format_date,
        "bool": lambda v: t("yes") if v else t("no"),
        "state": lambda v: t(f"state.{v}"),
        "role": lambda v: t(f"role.{v}"),
        "reason": lambda v: t(f"reason.{v}"),
        "int": lambda v: f"{v}",
        "number": _number,
    }
    return formatters.get(kind, str)(value)


def _number(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def console(**options: Any) -> Console:
    """The console every command prints its tables with. Markup is off: names and file
    names come from invoices and mail, and a bracket in them is text."""
    from rich.console import Console

    return Console(markup=False, **options)


def render(rows: Sequence[dict[str, Any]], columns: Sequence[Column], fmt: OutputFormat) -> str:
    return render_tables([Table("rows", "", columns, rows)], fmt)


def render_tables(tables: Sequence[Table], fmt: OutputFormat) -> str:
    """Text formats: one table as a plain list, several as named parts."""
    if fmt is OutputFormat.JSON:
        data: object = (
            list(tables[0].rows)
            if len(tables) == 1
            else {table.name: list(table.rows) for table in tables}
        )
        return json.dumps(data, ensure_ascii=False, indent=2, default=json_default) + "\n"
    if fmt is OutputFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for index, table in enumerate(tables):
            if len(tables) > 1:
                if index:
                    writer.writerow([])
                writer.writerow([table.name])
            keys = [column.key for column in table.columns]
            writer.writerow(keys)
            for row in table.rows:
                writer.writerow([_plain(row[key]) for key in keys])
        return buffer.getvalue()
    from rich.console import Group
    from rich.table import Table as RichTable

    shown = []
    for table in tables:
        grid = RichTable(
            show_edge=False,
            header_style="bold",
            title=t(table.title) if table.title and len(tables) > 1 else None,
            title_justify="left",
            title_style="bold",
        )
        for column in table.columns:
            numeric = column.kind in {"money", "int", "number"}
            grid.add_column(t(column.header), justify="right" if numeric else "left")
        for row in table.rows:
            grid.add_row(*(cell(row[column.key], column.kind) for column in table.columns))
        shown.append(grid)
    printer = console(file=io.StringIO(), width=200 if not sys.stdout.isatty() else None)
    printer.print(Group(*shown) if len(shown) > 1 else shown[0])
    output = printer.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def _plain(value: Any) -> Any:
    return json_default(value) if isinstance(value, date | Decimal) else value


def write_xlsx(tables: Sequence[Table], path: Path) -> None:
    """One sheet per table: numbers as numbers, dates as dates, headers translated."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    formats = {"money": "#,##0", "int": "0", "number": "0.0", "date": "yyyy-mm-dd"}
    for table in tables:
        sheet = book.create_sheet(table.name[:31])
        sheet.append([t(column.header) for column in table.columns])
        for header in sheet[1]:
            header.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_typed(row[column.key], column.kind) for column in table.columns])
            for value_cell in sheet[sheet.max_row]:
                # A name such as "=HYPERLINK(...)" (from an invoice's XML) is text: a
                # string cell, never a formula the spreadsheet would run.
                if value_cell.data_type == "f":
                    value_cell.data_type = "s"
        for index, column in enumerate(table.columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = max(12, len(t(column.header)) + 2)
            for (value_cell,) in sheet.iter_rows(
                min_row=2, min_col=index, max_col=index, max_row=sheet.max_row
            ):
                value = value_cell.value
                if isinstance(value, datetime | date):
                    value_cell.number_format = formats["date"]
                elif isinstance(value, float):
                    value_cell.number_format = formats["number"]
                elif isinstance(value, int) and column.kind in formats:
                    value_cell.number_format = formats[column.kind]
        sheet.freeze_panes = "A2"
    try:
        book.save(path)
    except OSError as exc:
        raise TotalfactError("error.output_file", path=str(path), reason=exc.strerror) from exc


def _typed(value: Any, kind: str) -> Any:
    """A cell's value for a spreadsheet: numbers, dates and booleans stay typed; codes
    are shown as words."""
    if value is None or isinstance(value, bool | int | float | date):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if kind in {"state", "role", "reason"}:
        return cell(value, kind)
    return str(value)


def emit(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    fmt: OutputFormat,
    output: Path | None = None,
    *,
    empty_message: str | None = None,
    name: str = "rows",
) -> None:
    """Print (or write to ``output``) ``rows`` in ``fmt``."""
    if fmt is OutputFormat.TABLE and not rows and empty_message and output is None:
        sys.stdout.write(empty_message + "\n")
        return
    emit_tables([Table(name, "", columns, rows)], fmt, output)


def emit_tables(tables: Sequence[Table], fmt: OutputFormat, output: Path | None = None) -> None:
    """Print (or write to ``output``) a report of one or more tables in ``fmt``."""
    if fmt is OutputFormat.XLSX:
        if output is None:
            raise TotalfactError("error.xlsx_needs_output")
        write_xlsx(tables, output)
        return
    text = render_tables(tables, fmt)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise TotalfactError("error.output_file", path=str(output), reason=exc.strerror) from exc
