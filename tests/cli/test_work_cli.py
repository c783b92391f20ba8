"""Command-line twins of the work keys: payments (and the bank-file import), holds,
tasks, disputes, call scripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.dte_factory import CUSTOMER_RUT, OWN_RUT
from tests.work_data import TODAY, doc_id, document
from totalfact_tui.db.models import Customer, Payment
from totalfact_tui.db.session import Database
from totalfact_tui.services.payments import customer_credit

Cli = Any


def run(cli: Cli, db: Database, *args: str) -> Any:
    url = db.engine.url.render_as_string(hide_password=False)
    return cli("--db", url, "--user", "ana", *args)


def test_payments_import(cli: Cli, work_db: Database, tmp_path: Path) -> None:
    with work_db.write() as session:
        ceded = session.get(type(document(work_db, 3)), doc_id(work_db, 3))
        assert ceded is not None
        ceded.ceded = True
    bank = tmp_path / "cartola.csv"
    bank.write_text(
        "rut;tipo;folio;monto;fecha;referencia\n"
        f"{CUSTOMER_RUT};33;1;119.000;2026-11-20;TRF 1\n"  # exact folio
        f"{CUSTOMER_RUT};;;357.000;20-11-2026;TRF 2\n"  # by amount: folio 4
        f"{CUSTOMER_RUT};;;1.000;2026-11-20;TRF 3\n"  # no invoice with that balance
        f"{CUSTOMER_RUT};33;3;59.500;2026-11-20;TRF 4\n"  # ceded: refused
        f"{CUSTOMER_RUT};33;2;1.100.000;2026-11-21;TRF 5\n"  # over-payment: 29.000 credit
        "11111111-2;33;9;5.000;2026-11-21;TRF 6\n"  # bad RUT
        f"{CUSTOMER_RUT};33;1;119.000;2026-11-20;TRF 1\n",  # the same line again
        encoding="utf-8",
    )
    dry = run(cli, work_db, "payments", "import", str(bank), "--dry-run", "--json")
    assert dry.code == 0, dry.err
    assert json.loads(dry.out) == {"lines": 7, "applied": 3, "unmatched": 3, "duplicates": 1}
    with work_db.read() as session:
        assert session.scalar(select(Payment.id)) is None  # a dry run saves nothing
    first = run(cli, work_db, "payments", "import", str(bank), "--json")
    assert json.loads(first.out) == {"lines": 7, "applied": 3, "unmatched": 3, "duplicates": 1}
    assert [document(work_db, f).state for f in (1, 4, 2)] == ["pagada"] * 3
    assert document(work_db, 3).balance == 59_500
    with work_db.read() as session:
        customer = session.scalars(select(Customer.id)).one()
        assert customer_credit(session, customer) == 29_000
    again = run(cli, work_db, "payments", "import", str(bank), "--json")
    assert json.loads(again.out) == {"lines": 7, "applied": 0, "unmatched": 3, "duplicates": 4}
    table = run(cli, work_db, "payments", "import", str(bank))
    assert "cedida" in table.out and "RUT inválido" in table.out and "repetida" in table.out


def test_ambiguous_line_is_not_applied(cli: Cli, work_db: Database, tmp_path: Path) -> None:
    from tests.dte_factory import Doc, envelope
    from totalfact_tui.services.ingest import IngestSettings, ingest_bytes

    ingest_bytes(work_db, "twin.xml", envelope(Doc(5, net=100_000)), IngestSettings(today=TODAY))
    bank = tmp_path / "bank.csv"
    bank.write_text(
        f'rut,type,folio,amount,date,reference\n{CUSTOMER_RUT},,,"119,000",,X\n',
        encoding="utf-8",
    )
    result = run(cli, work_db, "payments", "import", str(bank), "--json")
    assert json.loads(result.out) == {"lines": 1, "applied": 0, "unmatched": 1, "duplicates": 0}
    bad = tmp_path / "bad.csv"
    bad.write_text("cliente,valor\nx,1\n", encoding="utf-8")
    refused = run(cli, work_db, "payments", "import", str(bad))
    assert refused.code == 1 and "Encabezado" in refused.err and "Traceback" not in refused.err


def test_payment_add_hold_task_dispute(cli: Cli, work_db: Database) -> None:
    paid = run(
        cli,
        work_db,
        "payment",
        "add",
        OWN_RUT,
        "33",
        "1",
        "--amount",
        "19000",
        "--method",
        "cheque",
        "--reference",
        "CH 7",
        "--json",
    )
    assert paid.code == 0, paid.err
    assert json.loads(paid.out)["applied"] == 19_000
    assert document(work_db, 1).state == "pagos_parciales"

    held = run(
        cli,
        work_db,
        "hold",
        "add",
        "--invoice",
        OWN_RUT,
        "33",
        "4",
        "--until",
        "2099-01-31",
        "--reason",
        "Proceso legal",
        "--json",
    )
    assert held.code == 0, held.err
    (hold_id,) = json.loads(held.out)["holds"]
    listed = json.loads(run(cli, work_db, "hold", "list", "--json").out)
    assert [h["id"] for h in listed] == [hold_id]
    assert run(cli, work_db, "hold", "remove", str(hold_id)).code == 0
    assert json.loads(run(cli, work_db, "hold", "list", "--json").out) == []

    task = run(
        cli,
        work_db,
        "task",
        "add",
        "Enviar copia de la OC",
        "--due",
        "2099-01-10",
        "--area",
        "ventas",
        "--invoice",
        OWN_RUT,
        "33",
        "2",
        "--json",
    )
    assert task.code == 0, task.err
    (task_id,) = json.loads(task.out)["tasks"]
    assert run(cli, work_db, "task", "done", str(task_id)).code == 0
    assert json.loads(run(cli, work_db, "task", "list", "--json").out) == []

    opened = run(
        cli,
        work_db,
        "dispute",
        "open",
        OWN_RUT,
        "33",
        "2",
        "--reason",
        "diferencia_precio",
        "--follow-up",
        "2099-01-05",
        "--json",
    )
    assert opened.code == 0, opened.err
    assert document(work_db, 2).state == "objetada"
    resolved = run(
        cli,
        work_db,
        "dispute",
        "resolve",
        OWN_RUT,
        "33",
        "2",
        "--outcome",
        "invoice_reissued",
        "--json",
    )
    assert json.loads(resolved.out) == {"resolved": [json.loads(opened.out)["dispute"]]}
    wrong = run(cli, work_db, "dispute", "resolve", OWN_RUT, "33", "2", "--outcome", "x")
    assert wrong.code == 1 and "Traceback" not in wrong.err


def test_templates_list_show_and_an_override(cli: Cli, tmp_path: Path, monkeypatch: Any) -> None:
    config = tmp_path / "conf" / "config.toml"
    config.parent.mkdir()
    config.write_text("")
    monkeypatch.setenv("TOTALFACT_CONFIG", str(config))
    where = cli("templates", "edit-path")
    assert where.out.strip() == str(tmp_path / "conf" / "templates")
    listed = json.loads(cli("templates", "list", "--format", "json").out)
    kinds = {(row["kind"], row["lang"]) for row in listed}
    assert ("soft_reminder", "es") in kinds and ("soft_reminder", "en") in kinds
    assert all(row["origin"] == "incluida" for row in listed)
    own = tmp_path / "conf" / "templates" / "es"
    own.mkdir(parents=True)
    (own / "soft_reminder.j2").write_text(
        "{% block subject %}Aviso propio{% endblock %}{% block text %}Hola{% endblock %}"
    )
    listed = json.loads(cli("templates", "list", "--format", "json").out)
    mine = next(r for r in listed if (r["kind"], r["lang"]) == ("soft_reminder", "es"))
    assert mine["origin"] == "propia"
    shown = cli("templates", "show", "soft_reminder")
    assert "Aviso propio" in shown.out
    html = cli("templates", "show", "hard_reminder", "--html", "--lang", "en")
    assert "hard_reminder.html.j2" in html.out and "<p>Despite" in html.out


def test_dunning_run_json_and_idempotent(cli: Cli, work_db: Database) -> None:
    first = run(cli, work_db, "dunning", "run", "--json", "--date", "2026-11-26")
    assert first.code == 0, first.err
    assert json.loads(first.out) == {
        "customers": 1,
        "emails_queued": 1,
        "invoices": 4,
        "skipped": {"ceded": 0, "disputed": 0, "held": 0, "no_email": 0},
    }
    again = json.loads(run(cli, work_db, "dunning", "run", "--json").out)
    assert again["emails_queued"] == 0
    table = run(cli, work_db, "dunning", "run", "--dry-run", "--date", "2026-12-30")
    assert table.code == 0 and "Simulación" in table.out


def test_customer_without_reminders_is_skipped(cli: Cli, work_db: Database) -> None:
    done = run(cli, work_db, "customer", "set", CUSTOMER_RUT, "--no-reminders", "--lang", "en")
    assert done.code == 0, done.err
    result = json.loads(run(cli, work_db, "dunning", "run", "--json").out)
    assert result["emails_queued"] == 0 and result["skipped"]["no_email"] == 4
    bad = run(cli, work_db, "customer", "set", CUSTOMER_RUT, "--email", "no-es-correo")
    assert bad.code == 1 and "Traceback" not in bad.err
