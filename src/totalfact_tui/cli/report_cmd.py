"""``totalfact report kpis|aging``: the managers' figures (docs/kpis.md), as of a date.
JSON keys are the metric names of docs/kpis.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from totalfact_tui.cli.agenda_cmd import parse_day
from totalfact_tui.cli.output import Column, OutputFormat, emit, json_default
from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t

AGING_COLUMNS = (
    Column("bucket", "report.col.bucket"),
    Column("balance", "report.col.balance", "money"),
)
KPI_COLUMNS = (Column("metric", "report.col.metric"), Column("value", "report.col.value"))


def register(app: typer.Typer) -> None:
    report = typer.Typer(help=t("help.report"), no_args_is_help=True)
    app.add_typer(report, name="report")

    def figures(
        ctx: typer.Context,
        as_of: str | None,
        days: int,
        collector: str | None,
        first: str | None = None,
        last: str | None = None,
    ) -> dict[str, Any]:
        from totalfact_tui.services import agenda, reports

        state: CliState = ctx.obj
        database = state.database()
        collector_id = agenda.person(database, collector).user_id if collector else None
        day = parse_day(as_of, state.today())
        return reports.kpis(
            database,
            day,
            days,
            collector_id,
            parse_day(first, day) if first else None,
            parse_day(last, day) if last else None,
        )

    @report.command("kpis", help=t("help.report.kpis"))
    def kpis(
        ctx: typer.Context,
        as_of: Annotated[str | None, typer.Option("--as-of", help=t("help.report.as_of"))] = None,
        days: Annotated[int, typer.Option("--days", help=t("help.report.days"))] = 90,
        collector: Annotated[str | None, typer.Option("--collector")] = None,
        first: Annotated[str | None, typer.Option("--from", help=t("help.report.from"))] = None,
        last: Annotated[str | None, typer.Option("--to", help=t("help.report.to"))] = None,
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
    ) -> None:
        values = figures(ctx, as_of, days, collector, first, last)
        if fmt is OutputFormat.JSON:
            typer.echo(json.dumps(values, ensure_ascii=False, indent=2, default=json_default))
            return
        rows = [
            {"metric": name, "value": _shown(name, value)}
            for name, value in values.items()
            if name != "aging"
        ]
        emit(rows, KPI_COLUMNS, fmt)

    @report.command("aging", help=t("help.report.aging"))
    def aging(
        ctx: typer.Context,
        as_of: Annotated[str | None, typer.Option("--as-of", help=t("help.report.as_of"))] = None,
        collector: Annotated[str | None, typer.Option("--collector")] = None,
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
    ) -> None:
        values = figures(ctx, as_of, 90, collector)
        if fmt is OutputFormat.JSON:
            typer.echo(json.dumps(values["aging"] | {"open_balance": values["open_balance"]}))
            return
        rows = [{"bucket": name, "balance": value} for name, value in values["aging"].items()]
        rows.append({"bucket": "open_balance", "balance": values["open_balance"]})
        emit(rows, AGING_COLUMNS, fmt)

    @report.command("debtors", help=t("help.report.debtors"))
    def debtors(
        ctx: typer.Context,
        as_of: Annotated[str | None, typer.Option("--as-of", help=t("help.report.as_of"))] = None,
        limit: Annotated[int, typer.Option("--limit")] = 20,
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
        output: Annotated[Path | None, typer.Option("--output", help=t("help.output"))] = None,
    ) -> None:
        from totalfact_tui.services.reports import top_debtors

        state: CliState = ctx.obj
        rows = top_debtors(state.database(), parse_day(as_of, state.today()), limit)
        emit(rows, DEBTOR_COLUMNS, fmt, output, empty_message=t("report.nothing"))

    @report.command("collectors", help=t("help.report.collectors"))
    def collectors(
        ctx: typer.Context,
        first: Annotated[str | None, typer.Option("--from", help=t("help.report.from"))] = None,
        last: Annotated[str | None, typer.Option("--to", help=t("help.report.to"))] = None,
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
        output: Annotated[Path | None, typer.Option("--output", help=t("help.output"))] = None,
    ) -> None:
        from totalfact_tui.services.reports import collectors as production

        state: CliState = ctx.obj
        end = parse_day(last, state.today())
        start = parse_day(first, end.replace(day=1))
        rows = production(state.database(), start, end)
        emit(rows, COLLECTOR_COLUMNS, fmt, output, empty_message=t("report.nothing"))


DEBTOR_COLUMNS = (
    Column("customer_name", "agenda.col.customer"),
    Column("customer_rut", "agenda.col.rut"),
    Column("open_balance", "report.col.open", "money"),
    Column("overdue_balance", "report.col.overdue", "money"),
    Column("open_invoices", "dunning.col.invoices", "int"),
    Column("max_days_past_due", "report.col.max_days", "int"),
)
COLLECTOR_COLUMNS = (
    Column("name", "report.col.collector"),
    Column("actions", "report.col.actions", "int"),
    Column("calls", "report.col.calls", "int"),
    Column("right_party_contacts", "report.col.contacts", "int"),
    Column("promises", "report.col.promises", "int"),
    Column("promised_amount", "report.col.promised", "money"),
    Column("promises_kept", "report.col.kept", "int"),
    Column("collected_on_worked_invoices", "report.col.collected", "money"),
    Column("customers_managed", "report.col.customers", "int"),
)


def _shown(name: str, value: Any) -> str:
    from totalfact_tui.domain.money import format_clp

    if isinstance(value, float):
        return f"{value:.1f}"
    if name.endswith("_balance") or name == "credit_sales":
        return format_clp(int(value))
    return str(value)
