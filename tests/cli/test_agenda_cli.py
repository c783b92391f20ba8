"""``totalfact agenda``, ``action log`` and ``catalog``: the call loop for scripts."""

from __future__ import annotations

import json
from typing import Any

Cli = Any


def demo(cli: Cli, url: str) -> None:
    assert cli("--db", url, "demo", "--no-tui", "--customers", "20", "--invoices", "400").code == 0


def test_agenda_json_and_logging_a_call(cli: Cli, db_url: str) -> None:
    demo(cli, db_url)
    result = cli("--db", db_url, "--user", "cperez", "agenda", "--format", "json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert rows
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
        "reason",
        "priority",
    }
    assert all(required <= set(row) for row in rows)
    assert [row["priority"] for row in rows] == list(range(1, len(rows) + 1))
    assert {row["reason"] for row in rows} <= {
        "first_action",
        "callback",
        "promise_due",
        "promise_broken",
        "dispute_follow_up",
        "payment_to_confirm",
    }
    first = rows[0]
    logged = cli(
        "--db",
        db_url,
        "--user",
        "cperez",
        "action",
        "log",
        first["issuer_rut"],
        str(first["dte_type"]),
        str(first["folio"]),
        "--result",
        "volver_llamar",
        "--reason",
        "en_nomina_pago",
        "--comment",
        "Llamar el lunes",
    )
    assert logged.code == 0, logged.err
    assert f"folio {first['folio']}" in logged.out
    after = json.loads(cli("--db", db_url, "--user", "cperez", "agenda", "--format", "json").out)
    assert first["folio"] not in [row["folio"] for row in after]


def test_manager_looks_at_a_collector(cli: Cli, sqlite_url: str) -> None:
    demo(cli, sqlite_url)
    own = json.loads(cli("--db", sqlite_url, "--user", "mrojas", "agenda", "--format", "json").out)
    seen = cli(
        "--db", sqlite_url, "--user", "jefe", "agenda", "--user", "mrojas", "--format", "json"
    )
    assert seen.code == 0, seen.err
    assert [r["folio"] for r in json.loads(seen.out)] == [r["folio"] for r in own]
    refused = cli("--db", sqlite_url, "--user", "mrojas", "agenda", "--user", "cperez")
    assert refused.code == 1 and "jefes de cobranza" in refused.err
    later = cli(
        "--db", sqlite_url, "--user", "mrojas", "agenda", "--date", "2099-01-01", "--format", "json"
    )
    assert len(json.loads(later.out)) >= len(own)
    bad = cli("--db", sqlite_url, "--user", "mrojas", "agenda", "--date", "mañana")
    assert bad.code == 1 and "Fecha inválida" in bad.err


def test_action_errors_are_clear(cli: Cli, sqlite_url: str) -> None:
    demo(cli, sqlite_url)
    rows = json.loads(cli("--db", sqlite_url, "--user", "cperez", "agenda", "--format", "json").out)
    first = rows[0]
    target = [first["issuer_rut"], str(first["dte_type"]), str(first["folio"])]
    unknown = cli("--db", sqlite_url, "--user", "cperez", "action", "log", *target, "--result", "x")
    assert unknown.code == 1 and "Resultado desconocido" in unknown.err
    past = cli(
        "--db",
        sqlite_url,
        "--user",
        "cperez",
        "action",
        "log",
        *target,
        "--result",
        "promesa_pago",
        "--promise-date",
        "2000-01-01",
    )
    assert past.code == 1 and "compromiso" in past.err
    nobody = cli("--db", sqlite_url, "action", "log", *target, "--result", "no_contesta")
    assert nobody.code == 1 and "usuario" in nobody.err


def test_catalogs(cli: Cli, sqlite_url: str) -> None:
    results = json.loads(cli("--db", sqlite_url, "catalog", "results", "--format", "json").out)
    assert {"code": "no_contesta", "label": "No contesta", "kind": "no_contact"} in results
    assert {row["kind"] for row in results} <= {
        "no_contact",
        "contact",
        "promise",
        "claims_paid",
        "dispute",
        "callback",
        "other",
    }
    reasons = json.loads(
        cli("--lang", "en", "--db", sqlite_url, "catalog", "reasons", "--format", "json").out
    )
    assert {"code": "falta_hes", "label": "Missing HES or reception note"} in reasons
