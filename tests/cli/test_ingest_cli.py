"""``totalfact ingest`` and ``totalfact invoice show`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.dte_factory import OWN_RUT, Doc, Ref, envelope, single

Cli = Any

JSON_KEYS = {
    "files",
    "documents",
    "new",
    "duplicates",
    "skipped",
    "rejected",
    "ceded",
    "notes_applied",
    "conflicts",
    "misrouted",
    "errors",
}


def setup(cli: Cli, url: str, tmp_path: Path) -> Path:
    assert cli("--db", url, "init", "--company-rut", OWN_RUT, "--company-name", "Andes").code == 0
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "env.xml").write_bytes(envelope(Doc(1), Doc(2), Doc(3, receiver_rut="96790240-4")))
    (folder / "nc.xml").write_bytes(
        single(
            Doc(
                4,
                dte_type=61,
                net=10_000,
                references=[Ref("33", "000001", code=3, reason="Descuento")],
            )
        )
    )
    return folder


def test_ingest_json_summary(cli: Cli, db_url: str, tmp_path: Path) -> None:
    folder = setup(cli, db_url, tmp_path)
    result = cli("--db", db_url, "ingest", str(folder), "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert set(summary) >= JSON_KEYS
    assert (summary["files"], summary["documents"], summary["new"], summary["rejected"]) == (
        2,
        4,
        3,
        1,
    )
    assert summary["notes_applied"] == 1
    (error,) = summary["errors"]
    assert error["file"].endswith("env.xml")
    assert error["document"] == f"{OWN_RUT} 33 3"
    assert error["reason"] == "RUT inválido en RUTRecep: «96790240-4»."
    again = cli("--db", db_url, "ingest", str(folder), "--json", "--strict")
    repeated = json.loads(again.out)
    assert (repeated["new"], repeated["duplicates"], repeated["rejected"]) == (0, 3, 1)
    assert repeated["errors"] == summary["errors"]  # a loaded file still reports its rejections
    assert again.code == 1  # --strict: something was rejected
    good = tmp_path / "good.xml"
    good.write_bytes(single(Doc(9)))
    assert cli("--db", db_url, "ingest", str(good), "--strict").code == 0


def test_ingest_table_and_errors(cli: Cli, sqlite_url: str, tmp_path: Path) -> None:
    folder = setup(cli, sqlite_url, tmp_path)
    table = cli("--db", sqlite_url, "ingest", str(folder))
    assert table.code == 0
    assert "Resumen de la carga" in table.out and "RUT inválido" in table.out
    missing = cli("--db", sqlite_url, "ingest", str(tmp_path / "nope"))
    assert missing.code == 1
    assert missing.err.strip() == f"No existe la ruta: {tmp_path / 'nope'}"


def test_ingest_without_own_company(cli: Cli, sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(single(Doc(1)))
    result = cli("--db", sqlite_url, "ingest", str(tmp_path / "a.xml"))
    assert result.code == 1
    assert "totalfact init" in result.err


def test_invoice_show(cli: Cli, sqlite_url: str, tmp_path: Path) -> None:
    folder = setup(cli, sqlite_url, tmp_path)
    cli("--db", sqlite_url, "ingest", str(folder))
    shown = cli(
        "--db", sqlite_url, "invoice", "show", "76.086.428-5", "33", "1", "--format", "json"
    )
    assert shown.code == 0, shown.err
    data = json.loads(shown.out)
    assert (data["folio"], data["total"], data["balance"]) == (1, 119_000, 119_000 - 11_900)
    assert data["source"].endswith("env.xml")
    assert data["notes_applied"] == [
        {
            "dte_type": 61,
            "folio": 4,
            "issue_date": "2026-01-10",
            "total": 11_900,
            "code": 3,
            "reason": "Descuento",
        }
    ]
    assert {event["kind"] for event in data["history"]} >= {"ingested", "note_applied"}
    note = json.loads(
        cli("--db", sqlite_url, "invoice", "show", OWN_RUT, "61", "4", "--format", "json").out
    )
    assert note["references"][0]["target"] == {"issuer_rut": OWN_RUT, "dte_type": 33, "folio": 1}
    table = cli("--db", sqlite_url, "invoice", "show", OWN_RUT, "33", "1")
    assert "Notas aplicadas" in table.out and "$119.000" in table.out
    missing = cli("--db", sqlite_url, "invoice", "show", OWN_RUT, "33", "999")
    assert missing.code == 1
    assert missing.err.strip() == "No existe el documento 76.086.428-5 tipo 33 folio 999."


def test_brackets_in_names_print_as_written(cli: Cli, sqlite_url: str, tmp_path: Path) -> None:
    """A receiver's name and a file's name are text, not markup, in every table."""
    assert (
        cli("--db", sqlite_url, "init", "--company-rut", OWN_RUT, "--company-name", "A").code == 0
    )
    name = "Comercial [/b] [bold]Sur[/] Ltda"
    folder = tmp_path / "in [red] box"
    folder.mkdir()
    (folder / "[bold]ok.xml").write_bytes(single(Doc(1, receiver_name=name)))
    (folder / "[bold]bad.xml").write_bytes(single(Doc(2, receiver_rut="96790240-4")))
    loaded = cli("--db", sqlite_url, "ingest", str(folder))
    assert loaded.code == 0, loaded.err
    assert "[bold]bad.xml" in loaded.out
    listed = cli("--db", sqlite_url, "invoices", "--limit", "0")
    assert listed.code == 0, listed.err
    assert "Comercial [/b]" in listed.out
    shown = cli("--db", sqlite_url, "invoice", "show", OWN_RUT, "33", "1")
    assert shown.code == 0, shown.err
    assert "[bold]ok.xml" in shown.out
