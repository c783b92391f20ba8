"""``totalfact invoices``: documents with balance and state."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from totalfact_tui.cli.output import Column, OutputFormat, emit
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
        rows: list[dict[str, Any]] = [
            {
                "issuer_rut": row.issuer_rut,
                "dte_type": row.dte_type,
                "folio": row.folio,
                "customer_rut": row.customer_rut,
                "customer_name": row.customer_name,
                "issue_date": row.issue_date,
                "due_date": row.due_date,
                "total": row.total if row.currency == "CLP" else row.total_foreign,
                "balance": row.balance,
                "currency": row.currency,
                "state": row.state,
                "ceded": row.ceded,
                "next_action_date": row.next_action_date,
                "kind": row.kind,
            }
            for row in found
        ]
        emit(rows, COLUMNS, fmt, output, empty_message=t("invoices.none"))
        if fmt is OutputFormat.TABLE and filters.limit and len(rows) == filters.limit:
            typer.echo(t("invoices.more", shown=len(rows)), err=True)
