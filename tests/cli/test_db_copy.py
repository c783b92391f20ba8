"""``totalfact db copy``: a one-machine SQLite installation moved to a team's
PostgreSQL, every table, verified by row counts and money totals; the copy works
(agenda, reports, new rows) and a target that holds data is refused."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import CliResult
from totalfact_tui.db.session import Database
from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.db_copy import CopyMismatch, copy_database, verify

pytestmark = pytest.mark.postgres


def agenda(cli: object, url: str) -> list[dict[str, object]]:
    result: CliResult = cli("--db", url, "--user", "cperez", "agenda", "--format", "json")  # type: ignore[operator]
    assert result.code == 0, result.err
    return list(json.loads(result.out))


def kpis(cli: object, url: str) -> dict[str, object]:
    result: CliResult = cli(  # type: ignore[operator]
        "--db", url, "--user", "jefe", "report", "kpis", "--as-of", "2026-11-26", "--format", "json"
    )
    assert result.code == 0, result.err
    return dict(json.loads(result.out))


def test_sqlite_to_postgresql_and_back(
    cli: object, sqlite_url: str, pg_url: str, tmp_path: Path
) -> None:
    run = cli  # type: ignore[assignment]
    made: CliResult = run(
        "--db", sqlite_url, "demo", "--no-tui", "--customers", "30", "--invoices", "600"
    )  # type: ignore[operator]
    assert made.code == 0, made.err
    # The demo holds a history of calls, promises, payments and audit rows.
    before_agenda, before_kpis = agenda(cli, sqlite_url), kpis(cli, sqlite_url)

    copied: CliResult = run("--db", sqlite_url, "db", "copy", "--to", pg_url, "--json")  # type: ignore[operator]
    assert copied.code == 0, copied.err
    report = json.loads(copied.out)
    assert report["ok"] is True and report["rows"] > 1000
    checks = {check["name"]: check for check in report["checks"]}
    assert checks["documents"]["target"] >= 600
    assert checks["documents.balance"]["source"] == checks["documents.balance"]["target"] > 0
    assert all(check["ok"] for check in report["checks"])

    # The copy is a working database: same agenda, same figures, new rows get new ids.
    assert agenda(cli, pg_url) == before_agenda
    assert kpis(cli, pg_url) == before_kpis
    added: CliResult = run(
        "--db",
        pg_url,
        "--user",
        "admin",
        "users",
        "add",
        "nueva",
        "--name",
        "Nueva Cobradora",
        "--role",
        "collector",
    )  # type: ignore[operator]
    assert added.code == 0, added.err

    # A target that already holds data is refused, and stays as it was.
    again: CliResult = run("--db", sqlite_url, "db", "copy", "--to", pg_url)  # type: ignore[operator]
    assert again.code == 1
    assert "ya tiene datos" in again.err

    # And back to a new SQLite file (PostgreSQL to SQLite works the same way).
    back_url = f"sqlite:///{tmp_path / 'back.db'}"
    back: CliResult = run("--db", pg_url, "db", "copy", "--to", back_url)  # type: ignore[operator]
    assert back.code == 0, back.err
    assert "Copia verificada" in back.out
    assert agenda(cli, back_url) == before_agenda


def test_a_copy_that_does_not_verify_leaves_the_target_empty(
    sqlite_url: str, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from totalfact_tui.services import db_copy
    from totalfact_tui.services.demo import DemoOptions, build_demo

    source = open_app_database(sqlite_url)
    target = open_app_database(pg_url)
    try:
        build_demo(source, DemoOptions(date(2026, 11, 26), customers=10, invoices=100))
        real_compare = db_copy.compare

        def lying_compare(left: object, right: object) -> db_copy.CopyReport:
            report = real_compare(left, right)  # type: ignore[arg-type]
            report.totals.append(("documents.balance", 1, 2))
            return report

        monkeypatch.setattr(db_copy, "compare", lying_compare)
        with pytest.raises(CopyMismatch):
            copy_database(source, target)
        monkeypatch.undo()
        report = verify(source, target)
        copied = {check.table: check.target for check in report.tables}
        assert copied["documents"] == 0 and copied["customers"] == 0
        assert copied["result_codes"] > 0  # the seeded catalogs are back as they were
        report = copy_database(source, target)  # and a real copy then goes through
        assert report.ok
    finally:
        _dispose(source, target)


def _dispose(*databases: Database) -> None:
    for database in databases:
        database.dispose()
