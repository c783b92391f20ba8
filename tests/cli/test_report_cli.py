"""The report commands on the demo database: the figures hang together, and the JSON,
CSV and XLSX outputs hold the same numbers (XLSX with typed cells)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import CliResult
from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.demo import DemoOptions, build_demo

TODAY = date(2026, 11, 26)
PERCENTS = (
    "overdue_percent",
    "agenda_progress_percent",
    "customers_managed_percent",
    "promises_kept_rate",
    "right_party_contact_rate",
    "cei",
)

Run = Callable[..., CliResult]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("report-demo") / "demo.db"
    database = open_app_database(f"sqlite:///{path}")
    build_demo(database, DemoOptions(today=TODAY, customers=40, invoices=800))
    database.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def report(cli: Run, demo_url: str) -> Run:
    def run(*args: str) -> CliResult:
        result = cli("--db", demo_url, "--user", "jefe", "report", *args)
        assert result.code == 0, result.err
        return result

    return run


def _csv_blocks(text: str) -> dict[str, list[dict[str, str]]]:
    """Several tables: a row with the name, the header, the rows, a blank row between."""
    blocks: dict[str, list[dict[str, str]]] = {}
    for chunk in text.strip("\n").split("\n\n"):
        name, body = chunk.split("\n", 1)
        blocks[name] = list(csv.DictReader(io.StringIO(body)))
    return blocks


def _sheets(path: Path, keys: dict[str, list[str]]) -> dict[str, list[dict[str, Any]]]:
    """Each sheet's rows keyed by the JSON/CSV keys (the headers are translated)."""
    book = load_workbook(path)
    sheets = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        sheets[sheet.title] = [dict(zip(keys[sheet.title], row, strict=True)) for row in rows]
    return sheets


def _same(expected: Any, as_text: str, typed: Any) -> None:
    """The JSON value, its CSV text and its XLSX cell are the same number or date."""
    if isinstance(expected, bool) or expected is None:
        assert typed in (expected, None)
        return
    if isinstance(expected, int | float):
        assert float(as_text) == pytest.approx(expected)
        assert isinstance(typed, int | float) and typed == pytest.approx(expected)
        if isinstance(expected, int):
            assert isinstance(typed, int)
        return
    if isinstance(expected, str) and len(expected) == 10 and expected[4] == "-":
        assert as_text == expected
        assert isinstance(typed, datetime) and typed.date().isoformat() == expected
        return
    assert as_text == str(expected)


def test_kpis_agree_across_formats_and_add_up(report: Run, tmp_path: Path) -> None:
    figures = json.loads(report("kpis", "--as-of", TODAY.isoformat(), "--format", "json").out)
    assert figures["open_balance"] > 0 and figures["overdue_balance"] > 0
    assert sum(figures["aging"].values()) == figures["open_balance"]
    assert figures["overdue_balance"] == figures["open_balance"] - figures["aging"]["current"]
    for name in PERCENTS:
        assert 0.0 <= figures[name] <= 100.0, name
    assert figures["average_days_delinquent"] == pytest.approx(
        figures["dso"] - figures["best_possible_dso"]
    )
    flat = {
        f"{key}.{inner}" if isinstance(value, dict) else key: inner
        if isinstance(value, dict)
        else value
        for key, value in figures.items()
        for inner in (value if isinstance(value, dict) else [None])
    }
    flat = {
        k: (figures[k.split(".")[0]][k.split(".")[1]] if "." in k else v) for k, v in flat.items()
    }
    rows = {
        row["metric"]: row["value"]
        for row in csv.DictReader(
            io.StringIO(report("kpis", "--as-of", TODAY.isoformat(), "--format", "csv").out)
        )
    }
    target = tmp_path / "kpis.xlsx"
    report("kpis", "--as-of", TODAY.isoformat(), "--format", "xlsx", "--output", str(target))
    sheet = _sheets(target, {"kpis": ["metric", "value"]})["kpis"]
    cells = {row["metric"]: row["value"] for row in sheet}
    assert list(rows) == list(flat) == list(cells)
    for name, value in flat.items():
        _same(value, rows[name], cells[name])


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (("debtors", "--limit", "10"), "debtors"),
        (("collectors", "--from", "2026-11-01"), "collectors"),
        (("contact-hours",), "contact_hours"),
        (("aging",), "aging"),
    ],
)
def test_one_table_reports_agree(
    report: Run, tmp_path: Path, command: tuple[str, ...], name: str
) -> None:
    as_csv = list(csv.DictReader(io.StringIO(report(*command, "--format", "csv").out)))
    assert as_csv, "the demo has figures for every report"
    keys = list(as_csv[0])
    target = tmp_path / "out.xlsx"
    report(*command, "--format", "xlsx", "--output", str(target))
    sheet = _sheets(target, {name: keys})[name]
    as_json = json.loads(report(*command, "--format", "json").out)
    if name == "aging":  # JSON is keyed by bucket (the metric names)
        as_json = [{"bucket": key, "balance": value} for key, value in as_json.items()]
    assert len(as_json) == len(as_csv) == len(sheet)
    for expected, text, typed in zip(as_json, as_csv, sheet, strict=True):
        for key in keys:
            _same(expected[key], text[key], typed[key])
    if name == "contact_hours":
        assert all(0 <= row["right_party_contact_rate"] <= 100 for row in as_json)
        assert all(1 <= row["weekday"] <= 7 and 0 <= row["hour"] <= 23 for row in as_json)


def test_customer_profile_agrees_across_formats(report: Run, tmp_path: Path) -> None:
    top = json.loads(report("debtors", "--limit", "1", "--format", "json").out)[0]
    rut = top["customer_rut"]
    profile = json.loads(report("customer", rut, "--format", "json").out)
    assert profile["profile"]["open_balance"] == top["open_balance"]
    assert sum(i["balance"] for i in profile["invoices"]) == top["open_balance"]
    assert 0 <= profile["risk"]["score"] <= 100
    assert profile["risk"]["score"] == round(sum(f["points"] for f in profile["risk"]["factors"]))
    blocks = _csv_blocks(report("customer", rut, "--format", "csv").out)
    assert list(blocks) == ["profile", "risk", "invoices"]
    target = tmp_path / "customer.xlsx"
    report("customer", rut, "--format", "xlsx", "--output", str(target))
    sheets = _sheets(target, {name: list(rows[0]) for name, rows in blocks.items()})
    assert list(sheets) == ["profile", "risk", "invoices"]
    for row, cell in zip(blocks["profile"], sheets["profile"], strict=True):
        value = profile["profile"][row["metric"]]
        _same(value, row["value"], cell["value"])
    for expected, text, typed in zip(
        profile["invoices"], blocks["invoices"], sheets["invoices"], strict=True
    ):
        for key in text:
            if key == "state":  # words in the spreadsheet, codes in files for programs
                assert text[key] == expected[key]
                continue
            _same(expected[key], text[key], typed[key])
    assert any(i["predicted_payment"] for i in profile["invoices"])
    shown = report("customer", rut)
    assert top["customer_name"] in shown.out or "Riesgo" in shown.out


def test_xlsx_needs_an_output_file(cli: Run, demo_url: str) -> None:
    result = cli("--db", demo_url, "report", "kpis", "--format", "xlsx")
    assert result.code != 0
    assert "--output" in result.err + result.out
    assert "Traceback" not in result.err + result.out


def test_kept_balances_equal_balances_recomputed_from_the_facts(demo_url: str) -> None:
    """Reports read today's figures from the balances the ledger keeps, and past days'
    from the facts: on the demo both give every invoice the same balance."""
    from sqlalchemy import select

    from totalfact_tui.db.queries.reports import as_of, current, latest_fact

    database = open_app_database(demo_url)
    with database.read() as session:
        latest = latest_fact(session)
        assert latest is not None and latest <= TODAY
        kept = current("sqlite")
        recomputed = as_of(TODAY)
        from_ledger = dict(session.execute(select(kept.c.id, kept.c.balance)).all())
        from_facts = {
            key: value
            for key, value in session.execute(select(recomputed.c.id, recomputed.c.balance))
            if value > 0
        }
    database.dispose()
    assert len(from_ledger) > 50
    assert from_facts == from_ledger


def test_a_collector_gets_only_their_own_figures(cli: Run, demo_url: str) -> None:
    def run(user: str, *args: str) -> CliResult:
        return cli("--db", demo_url, "--user", user, "report", *args)

    team = json.loads(run("jefe", "kpis", "--format", "json").out)
    own = json.loads(run("cperez", "kpis", "--format", "json").out)
    theirs = json.loads(run("jefe", "kpis", "--collector", "cperez", "--format", "json").out)
    assert own["open_balance"] == theirs["open_balance"] < team["open_balance"]
    refused = run("cperez", "kpis", "--collector", "mrojas")
    assert refused.code == 1 and "Traceback" not in refused.err
    production = json.loads(run("cperez", "collectors", "--format", "json").out)
    assert {row["username"] for row in production} <= {"cperez"}
