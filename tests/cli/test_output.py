"""Output formats: text from the data is written as text."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from totalfact_tui.cli.output import Column, Table, write_xlsx


def test_a_name_that_looks_like_a_formula_is_a_string_cell(tmp_path: Path) -> None:
    """A receiver named "=HYPERLINK(...)" in an invoice's XML must not become a formula
    in the manager's spreadsheet; numbers stay numbers."""
    hostile = '=HYPERLINK("http://example.com","pagar aquí")'
    rows = [
        {"name": hostile, "balance": 1500},
        {"name": "=1+1", "balance": -20},
        {"name": "Comercial Sur", "balance": 0},
    ]
    columns = [
        Column("name", "agenda.col.customer"),
        Column("balance", "agenda.col.balance", "money"),
    ]
    target = tmp_path / "out.xlsx"
    write_xlsx([Table("rows", "", columns, rows)], target)
    sheet = load_workbook(target).active
    assert sheet is not None
    cells = [(row[0].value, row[0].data_type, row[1].value) for row in sheet.iter_rows(min_row=2)]
    assert cells == [(hostile, "s", 1500), ("=1+1", "s", -20), ("Comercial Sur", "s", 0)]
