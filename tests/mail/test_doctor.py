"""``totalfact doctor`` against the real parts: a healthy installation (real Dovecot,
real SMTP server, nothing read, moved or sent) passes; each kind of problem is one clear
line marked ✗ or ! and a failure exits 1, without a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.dovecot import Dovecot
from tests.mail.conftest import MailHelper, imap_env, message
from tests.smtp_server import PASSWORD, USER, SmtpServers
from totalfact_tui.db import migrate
from totalfact_tui.services.database import open_app_database

Cli = Any


@pytest.fixture
def configured(
    monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot, servers: SmtpServers, sqlite_url: str
) -> str:
    settings = {
        **imap_env(dovecot),
        "TOTALFACT_SMTP_HOST": "127.0.0.1",
        "TOTALFACT_SMTP_PORT": str(servers.tls_port),
        "TOTALFACT_SMTP_SECURITY": "starttls",
        "TOTALFACT_SMTP_USERNAME": USER,
        "TOTALFACT_SMTP_PASSWORD": PASSWORD,
        "TOTALFACT_SMTP_CA_FILE": str(servers.ca_file),
        "TOTALFACT_SMTP_FROM": "cobranza@andes.cl",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    open_app_database(sqlite_url).dispose()
    return sqlite_url


def checks(cli: Cli, url: str) -> tuple[int, dict[str, dict[str, str]]]:
    result = cli("--db", url, "doctor", "--json")
    assert "Traceback" not in result.err
    data = json.loads(result.out)
    return result.code, {check["check"]: check for check in data["checks"]}


def test_a_healthy_installation_passes_and_touches_nothing(
    cli: Cli, configured: str, mail: MailHelper, servers: SmtpServers
) -> None:
    mail.deliver(message(("a.xml", b"<x/>")))
    servers.recorder.received.clear()
    shown = cli("--db", configured, "doctor")
    assert shown.code == 0, shown.out + shown.err
    assert "Todo en orden." in shown.out
    code, found = checks(cli, configured)
    assert code == 0
    for name in ("database", "migrated", "indexes", "jobs", "imap", "smtp", "templates"):
        assert found[name]["status"] == "ok", found[name]
    assert found["sqlite_file"]["status"] == "ok"  # created 0600
    assert found["config_file"]["status"] == "skip"  # settings come from the environment
    assert "nada enviado" in found["smtp"]["detail"]
    assert mail.count("INBOX") == 1  # nothing read or moved
    assert servers.recorder.received == []  # nothing sent


def test_each_problem_is_one_clear_line(
    cli: Cli, configured: str, monkeypatch: pytest.MonkeyPatch, servers: SmtpServers
) -> None:
    path = Path(configured.removeprefix("sqlite:///"))
    os.chmod(path, 0o644)
    database = open_app_database(configured)
    with database.engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_actions_customer_id_occurred_at"))
    database.dispose()
    monkeypatch.setenv("TOTALFACT_IMAP_PASSWORD", "mala")
    monkeypatch.setenv("TOTALFACT_SMTP_PORT", str(servers.plain_port + 10_000 - 1))
    own = Path(os.environ["XDG_CONFIG_HOME"]) / "totalfact" / "templates" / "es"
    own.mkdir(parents=True)
    (own / "soft_reminder.j2").write_text("{% block text %}{{ cliente.nombre }}{% endblock %}")

    code, found = checks(cli, configured)
    assert code == 1
    assert found["indexes"]["status"] == "fail"
    assert "actions.ix_actions_customer_id_occurred_at" in found["indexes"]["detail"]
    assert (
        found["sqlite_file"]["status"] == "warn" and "chmod 600" in found["sqlite_file"]["detail"]
    )
    assert found["imap"]["status"] == "fail" and "rechaz" in found["imap"]["detail"]
    assert found["smtp"]["status"] == "fail"
    assert (
        found["templates"]["status"] == "fail"
        and "es/soft_reminder" in found["templates"]["detail"]
    )
    assert found["database"]["status"] == "ok"  # the rest is still checked
    shown = cli("--db", configured, "doctor")
    assert shown.code == 1 and "✗ Índices" in shown.out and "Hay problemas" in shown.out


def test_an_old_schema_and_an_unreachable_database(
    cli: Cli, sqlite_url: str, tmp_path: Path
) -> None:
    database = open_app_database(sqlite_url)
    migrate.downgrade(database, "0009")
    database.dispose()
    code, found = checks(cli, sqlite_url)
    assert code == 1
    assert found["migrated"]["status"] == "fail" and "db upgrade" in found["migrated"]["detail"]
    unreachable = "postgresql+psycopg://nadie@127.0.0.1:1/ninguna"
    code, found = checks(cli, unreachable)
    assert code == 1 and found["database"]["status"] == "fail"
    assert found["templates"]["status"] == "ok"  # checked all the same
