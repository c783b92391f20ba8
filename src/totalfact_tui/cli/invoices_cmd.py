"""``totalfact invoices``: documents with balance and state."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from totalfact_tui.cli.output import Column, OutputFormat, cell, console, emit, json_default
from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t

COLUMNS = (
    Column("issuer_rut", "invoices.col.issuer_rut"),
    Column("dte_type", "invoices.col.dte_type", "int"),
    Column("folio", "invoices.col.folio", "int"),
    Column("customer_rut", "invoices.col.customer_rut"),
    Column("customer_name", "invoices.col.customer_name"),
    Column("issue_date", "invoices.col.issue_date", "date"),
    Column("due_date", "invoices.col.due_date", "date"),
    Column("total", "invoices.col.total", "money"),
    Column("balance", "invoices.col.balance", "money"),
    Column("currency", "invoices.col.currency"),
    Column("state", "invoices.col.state", "state"),
    Column("ceded", "invoices.col.ceded", "bool"),
    Column("next_action_date", "invoices.col.next_action_date", "date"),
)


def register(app: typer.Typer) -> None:
    @app.command("invoices", help=t("help.invoices"))
    def invoices(
        ctx: typer.Context,
        state_: Annotated[
            str | None, typer.Option("--state", help=t("help.invoices.state"))
        ] = None,
        customer: Annotated[
            str | None, typer.Option("--customer", help=t("help.invoices.customer"))
        ] = None,
        kind: Annotated[str | None, typer.Option("--kind", help=t("help.invoices.kind"))] = None,
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
        limit: Annotated[int, typer.Option("--limit", help=t("help.invoices.limit"))] = 100,
        output: Annotated[Path | None, typer.Option("--output", help=t("help.output"))] = None,
    ) -> None:
        from totalfact_tui.services.invoices import list_invoices, make_filter

        state: CliState = ctx.obj
        filters = make_filter(state=state_, customer_rut=customer, kind=kind, limit=limit)
        found = list_invoices(state.database(), filters)
        rows = [invoice_dict(row) for row in found]
        emit(rows, COLUMNS, fmt, output, empty_message=t("invoices.none"))
        if fmt is OutputFormat.TABLE and filters.limit and len(rows) == filters.limit:
            typer.echo(t("invoices.more", shown=len(rows)), err=True)


def invoice_dict(row: Any) -> dict[str, Any]:
    """The fields every invoice listing shares (JSON, CSV and table); ``row`` is an
    invoice row or an agenda row."""
    foreign = getattr(row, "total_foreign", None)
    return {
        "issuer_rut": row.issuer_rut,
        "dte_type": row.dte_type,
        "folio": row.folio,
        "customer_rut": row.customer_rut,
        "customer_name": row.customer_name,
        "issue_date": row.issue_date,
        "due_date": row.due_date,
        "total": row.total if row.currency == "CLP" or foreign is None else foreign,
        "total_clp": row.total,
        "balance": row.balance,
        "currency": row.currency,
        "state": row.state,
        "ceded": row.ceded,
        "next_action_date": row.next_action_date,
        "kind": getattr(row, "kind", "receivable"),
    }


def register_detail(app: typer.Typer) -> None:
    group = typer.Typer(help=t("help.invoice"), no_args_is_help=True)
    app.add_typer(group, name="invoice")

    @group.command("show", help=t("help.invoice.show"))
    def show(
        ctx: typer.Context,
        issuer_rut: Annotated[str, typer.Argument()],
        dte_type: Annotated[int, typer.Argument()],
        folio: Annotated[int, typer.Argument()],
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
    ) -> None:
        from totalfact_tui.services.invoices import get_invoice

        state: CliState = ctx.obj
        detail = get_invoice(state.database(), issuer_rut, dte_type, folio)
        data = detail_dict(detail)
        if fmt is OutputFormat.JSON:
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=json_default))
        else:
            _print_detail(data)


def detail_dict(detail: Any) -> dict[str, Any]:
    data = invoice_dict(detail.row)
    data.update(
        issuer_name=detail.issuer_name,
        net=detail.net,
        exempt=detail.exempt,
        tax=detail.tax,
        due_date_rule=detail.due_date_rule,
        payment_terms=detail.payment_terms_text,
        agenda_reason=detail.agenda_reason,
        conflict=detail.conflict,
        source=detail.source,
        references=[
            {
                "ref_type": ref.ref_type,
                "folio": ref.folio,
                "date": ref.ref_date,
                "code": ref.code,
                "reason": ref.reason,
                "target": (
                    {"issuer_rut": ref.target[0], "dte_type": ref.target[1], "folio": ref.target[2]}
                    if ref.target
                    else None
                ),
            }
            for ref in detail.references
        ],
        notes_applied=[
            {
                "dte_type": n.dte_type,
                "folio": n.folio,
                "issue_date": n.issue_date,
                "total": n.total,
                "code": n.code,
                "reason": n.reason,
            }
            for n in detail.notes_applied
        ],
        history=[{"at": e.at, "kind": e.kind, "details": e.details} for e in detail.events],
    )
    return data


def _print_detail(data: dict[str, Any]) -> None:
    from rich.table import Table

    printer = console()
    fields = Table(show_header=False, show_edge=False)
    fields.add_column(style="bold")
    fields.add_column()
    labels = {column.key: column for column in COLUMNS}
    for key, column in labels.items():
        fields.add_row(t(column.header), cell(data[key], column.kind))
    for key, kind in (
        ("issuer_name", "text"),
        ("net", "money"),
        ("exempt", "money"),
        ("tax", "money"),
        ("due_date_rule", "text"),
        ("payment_terms", "text"),
        ("source", "text"),
        ("conflict", "text"),
    ):
        if data[key] not in (None, ""):
            fields.add_row(t(f"invoice.field.{key}"), cell(data[key], kind))
    printer.print(fields)
    for title, rows, keys in (
        (
            t("invoice.references"),
            data["references"],
            ("ref_type", "folio", "date", "code", "reason"),
        ),
        (
            t("invoice.notes_applied"),
            data["notes_applied"],
            ("dte_type", "folio", "issue_date", "total", "code"),
        ),
        (t("invoice.history"), data["history"], ("at", "kind")),
    ):
        if not rows:
            continue
        table = Table(title=title, show_edge=False)
        for key in keys:
            table.add_column(key)
        for row in rows:
            table.add_row(
                *(cell(row[key], "date" if isinstance(row[key], date) else "text") for key in keys)
            )
        printer.print(table)
