"""The command line through its real entry point: output formats, exit codes, errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

Cli = Any


def test_init_registers_own_companies_repeatably(cli: Cli, db_url: str) -> None:
    result = cli(
        "--db", db_url, "init", "--company-rut", "76.086.428-5", "--company-name", "Andes SpA"
    )
    assert result.code == 0, result.err
    assert "76.086.428-5" in result.out
    again = cli(
        "--db", db_url, "init", "--company-rut", "76086428-5", "--company-name", "Andes  S.A."
    )
    assert again.code == 0
    assert "actualizada" in again.out
    other = cli("--db", db_url, "init", "--company-rut", "96670340-7", "--company-name", "Otra")
    assert other.code == 0
    from totalfact_tui.db.session import open_database
    from totalfact_tui.services.companies import own_ruts

    database = open_database(db_url)
    assert own_ruts(database) == ["76086428-5", "96670340-7"]
    database.dispose()


def test_wrong_rut_is_one_clear_line_and_exit_1(cli: Cli, sqlite_url: str) -> None:
    result = cli("--db", sqlite_url, "init", "--company-rut", "76086428-4", "--company-name", "X")
    assert result.code == 1
    assert result.err.strip() == "RUT inválido: «76086428-4» (revise el dígito verificador)."
    assert "Traceback" not in result.err
    english = cli(
        "--lang", "en", "--db", sqlite_url, "init", "--company-rut", "1-1", "--company-name", "X"
    )
    assert english.err.strip().startswith("Invalid RUT: '1-1'")


def test_users_add_and_list_in_every_format(cli: Cli, db_url: str, tmp_path: Path) -> None:
    assert (
        cli(
            "--db",
            db_url,
            "users",
            "add",
            "ana",
            "--name",
            "Ana Díaz",
            "--role",
            "admin",
            "--email",
            "ana@example.cl",
        ).code
        == 0
    )
    assert (
        cli(
            "--db",
            db_url,
            "--user",
            "ana",
            "users",
            "add",
            "beto",
            "--name",
            "Beto",
            "--role",
            "collector",
        ).code
        == 0
    )
    listed = cli("--db", db_url, "users", "list", "--format", "json")
    assert listed.code == 0
    assert json.loads(listed.out) == [
        {
            "username": "ana",
            "name": "Ana Díaz",
            "role": "admin",
            "email": "ana@example.cl",
            "active": True,
        },
        {"username": "beto", "name": "Beto", "role": "collector", "email": None, "active": True},
    ]
    as_csv = cli("--db", db_url, "users", "list", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.out)))
    assert [row["username"] for row in rows] == ["ana", "beto"]
    table = cli("--db", db_url, "users", "list")
    assert "Ana Díaz" in table.out and "administrador" in table.out
    target = tmp_path / "users.json"
    assert (
        cli("--db", db_url, "users", "list", "--format", "json", "--output", str(target)).code == 0
    )
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 2


def test_user_errors(cli: Cli, sqlite_url: str) -> None:
    assert (
        cli("--db", sqlite_url, "users", "add", "ana", "--name", "Ana", "--role", "admin").code == 0
    )
    duplicate = cli("--db", sqlite_url, "users", "add", "ana", "--name", "Ana", "--role", "admin")
    assert duplicate.code == 1 and "ya existe" in duplicate.err
    bad_role = cli("--db", sqlite_url, "users", "add", "zoe", "--name", "Zoe", "--role", "boss")
    assert bad_role.code == 1 and "Rol inválido" in bad_role.err
    bad_email = cli(
        "--db",
        sqlite_url,
        "users",
        "add",
        "zoe",
        "--name",
        "Zoe",
        "--role",
        "admin",
        "--email",
        "nope",
    )
    assert bad_email.code == 1 and "Correo electrónico inválido" in bad_email.err
    unknown = cli("--db", sqlite_url, "--user", "ghost", "users", "list")
    assert unknown.code == 1
    assert unknown.err.strip() == "Usuario desconocido: «ghost» (vea «totalfact users list»)."
    assert cli("--db", sqlite_url, "users", "list", "--format", "xml").code == 2


def test_database_errors_are_one_line_exit_1(cli: Cli, tmp_path: Path) -> None:
    unreachable = cli(
        "--db", "postgresql+psycopg://u:pw@127.0.0.1:1/x?connect_timeout=2", "users", "list"
    )
    assert unreachable.code == 1
    assert unreachable.err.startswith(
        "No se puede abrir la base de datos postgresql+psycopg://u:***@"
    )
    assert "pw@" not in unreachable.err
    assert len(unreachable.err.strip().splitlines()) == 1
    bad = cli("--db", "this is not a url", "users", "list")
    assert bad.code == 1 and bad.err.startswith("URL de base de datos inválida")
    unknown_driver = cli("--db", "oracle+nosuch://x/y", "users", "list")
    assert unknown_driver.code == 1 and "URL de base de datos inválida" in unknown_driver.err
    missing = cli("--db", f"sqlite:///{tmp_path}/nope/x.db", "users", "list")
    assert missing.code == 1 and "does not exist" in missing.err


def test_default_database_lives_in_the_user_data_folder(cli: Cli, isolated_env: Path) -> None:
    assert cli("users", "list").code == 0
    path = isolated_env / "data" / "totalfact" / "totalfact.db"
    assert path.is_file()
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_config_show_and_path(
    cli: Cli, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cli("config", "path")
    assert path.code == 0
    config_file = Path(path.out.strip())
    assert config_file == isolated_env / "config" / "totalfact" / "config.toml"
    config_file.parent.mkdir(parents=True)
    config_file.write_text('user = "cperez"\nlang = "es"\n', encoding="utf-8")
    monkeypatch.setenv("TOTALFACT_DATABASE_URL", "postgresql+psycopg://ana:topsecret@db/x")
    shown = cli("--lang", "en", "config", "show", "--format", "json")
    assert shown.code == 0
    rows = {row["name"]: row for row in json.loads(shown.out)}
    assert rows["user"] == {"name": "user", "value": "cperez", "source": f"file {config_file}"}
    assert rows["lang"]["source"] == "option"
    assert rows["database_url"]["value"] == "postgresql+psycopg://ana:***@db/x"
    assert rows["database_url"]["source"] == "env TOTALFACT_DATABASE_URL"
    assert "topsecret" not in shown.out
    assert rows["preventive_lead_days"] == {
        "name": "preventive_lead_days",
        "value": "3",
        "source": "default",
    }


def test_db_upgrade_and_current(cli: Cli, sqlite_url: str) -> None:
    before = cli("--db", sqlite_url, "db", "current")
    assert before.code == 0 and "ninguna" in before.out
    upgraded = cli("--db", sqlite_url, "db", "upgrade")
    assert upgraded.code == 0 and "actualizada a la revisión" in upgraded.out
    again = cli("--db", sqlite_url, "db", "upgrade")
    assert "ya está en la revisión" in again.out


def test_invoices_json_fields_and_filters(cli: Cli, sqlite_url: str) -> None:
    assert (
        cli("--db", sqlite_url, "demo", "--no-tui", "--customers", "12", "--invoices", "120").code
        == 0
    )
    listed = cli("--db", sqlite_url, "invoices", "--format", "json", "--limit", "0")
    assert listed.code == 0
    rows = json.loads(listed.out)
    assert sum(row["dte_type"] in (33, 34) for row in rows) == 120
    required = {
        "issuer_rut",
        "dte_type",
        "folio",
        "customer_rut",
        "customer_name",
        "issue_date",
        "due_date",
        "total",
        "balance",
        "currency",
        "state",
        "ceded",
        "next_action_date",
    }
    assert all(required <= set(row) for row in rows)
    first = rows[0]
    assert isinstance(first["total"], int) and isinstance(first["balance"], int)
    assert len(first["issue_date"]) == 10 and first["issue_date"][4] == "-"
    overdue = json.loads(
        cli(
            "--db", sqlite_url, "invoices", "--state", "vencida", "--format", "json", "--limit", "0"
        ).out
    )
    assert overdue and all(row["state"] == "vencida" for row in overdue)
    customer = first["customer_rut"]
    mine = json.loads(
        cli(
            "--db",
            sqlite_url,
            "invoices",
            "--customer",
            customer,
            "--format",
            "json",
            "--limit",
            "0",
        ).out
    )
    assert mine and all(row["customer_rut"] == customer for row in mine)
    limited = json.loads(
        cli("--db", sqlite_url, "invoices", "--limit", "5", "--format", "json").out
    )
    assert len(limited) == 5
    bad_state = cli("--db", sqlite_url, "invoices", "--state", "perdida")
    assert bad_state.code == 1 and "Estado desconocido" in bad_state.err
    bad_rut = cli("--db", sqlite_url, "invoices", "--customer", "12.345.678-9")
    assert bad_rut.code == 1 and "RUT inválido" in bad_rut.err
    table = cli("--db", sqlite_url, "invoices", "--limit", "3")
    assert "$" in table.out and "Vencimiento" in table.out


def test_help_is_fast_and_free_of_heavy_imports() -> None:
    code = (
        "import sys\n"
        "from totalfact_tui.cli.app import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('textual', 'sqlalchemy', 'alembic', 'lxml') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "HEAVY []" in result.stdout
    assert "Usage: totalfact" in result.stdout


def test_python_dash_m_and_version(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "totalfact_tui", "--version"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("totalfact ")


def test_usage_errors_exit_2(cli: Cli) -> None:
    assert cli("no-such-command").code == 2
    assert cli("init").code == 2  # missing required options


def test_unexpected_errors_never_show_a_traceback(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, isolated_env: Path, sqlite_url: str
) -> None:
    from totalfact_tui.services import users

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(users, "list_users", boom)
    result = cli("--db", sqlite_url, "users", "list")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "RuntimeError" in result.err and "kaboom" in result.err
    log = isolated_env / "state" / "totalfact" / "log" / "errors.log"
    assert "Traceback" in log.read_text(encoding="utf-8")


def test_the_screens_open_directly_only_without_a_command() -> None:
    from totalfact_tui.cli.launch import screen_options

    assert screen_options([]) == {}
    assert screen_options(["--db", "sqlite:///x.db", "--user=ana", "--lang", "en"]) == {
        "database_url": "sqlite:///x.db",
        "user": "ana",
        "lang": "en",
    }
    assert screen_options(["agenda"]) is None
    assert screen_options(["--user"]) is None
    assert screen_options(["--help"]) is None
    assert screen_options(["--db", "x", "invoices"]) is None
