"""Printing lists as a table, JSON or CSV, to the screen or a file."""

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
from typing import Any

from totalfact_tui.domain.errors import TotalfactError
from totalfact_tui.domain.money import format_clp
from totalfact_tui.i18n import format_date, t


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # message key
    kind: str = "text"  # text | int | money | date | bool | state | role | reason


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
    }
    return formatters.get(kind, str)(value)


def render(rows: Sequence[dict[str, Any]], columns: Sequence[Column], fmt: OutputFormat) -> str:
    if fmt is OutputFormat.JSON:
        return json.dumps(list(rows), ensure_ascii=False, indent=2, default=json_default) + "\n"
    if fmt is OutputFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        keys = [column.key for column in columns]
        writer.writerow(keys)
        for row in rows:
            writer.writerow(
                [
                    json_default(row[key]) if isinstance(row[key], date | Decimal) else row[key]
                    for key in keys
                ]
            )
        return buffer.getvalue()
    from rich.console import Console
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold")
    for column in columns:
        numeric = column.kind in {"money", "int"}
        table.add_column(t(column.header), justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(cell(row[column.key], column.kind) for column in columns))
    console = Console(file=io.StringIO(), width=200 if not sys.stdout.isatty() else None)
    console.print(table)
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def emit(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    fmt: OutputFormat,
    output: Path | None = None,
    *,
    empty_message: str | None = None,
) -> None:
    """Print (or write to ``output``) ``rows`` in ``fmt``."""
    if fmt is OutputFormat.TABLE and not rows and empty_message and output is None:
        sys.stdout.write(empty_message + "\n")
        return
    text = render(rows, columns, fmt)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise TotalfactError("error.output_file", path=str(output), reason=exc.strerror) from exc
