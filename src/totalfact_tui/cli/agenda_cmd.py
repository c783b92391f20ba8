"""``totalfact agenda``, ``totalfact action log`` and ``totalfact catalog``: the call
loop for scripts, tests and integrations (the same services as the screens)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from totalfact_tui.cli.invoices_cmd import COLUMNS as INVOICE_COLUMNS
from totalfact_tui.cli.invoices_cmd import invoice_dict
from totalfact_tui.cli.output import Column, OutputFormat, emit
from totalfact_tui.cli.state import CliState
from totalfact_tui.domain.errors import InvalidValue
from totalfact_tui.i18n import language, t

AGENDA_COLUMNS = (
    Column("priority", "agenda.col.priority", "int"),
    *[c for c in INVOICE_COLUMNS if c.key not in ("issuer_rut", "currency", "ceded")],
    Column("days_overdue", "agenda.col.days_overdue", "int"),
    Column("reason", "agenda.col.reason", "reason"),
)
CATALOG_COLUMNS = (
    Column("code", "catalog.col.code"),
    Column("label", "catalog.col.label"),
    Column("kind", "catalog.col.kind"),
)


def parse_day(value: str | None, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValue("error.bad_date", value=value) from None


def agenda_dict(row: Any) -> dict[str, Any]:
    """The fields of ``totalfact invoices`` plus why the invoice is on the agenda."""
    last = row.last_action
    return invoice_dict(row) | {
        "reason": row.reason,
        "priority": row.priority,
        "days_overdue": row.days_overdue,
        "broken_promises": row.broken_promises,
        "promise_broken": row.promise_broken,
        "last_action": (
            {"result": last.result_code, "at": last.at, "user": last.username} if last else None
        ),
        "covered_for": row.covered_for,
        "worked_by": row.worked_by,
    }


def register(app: typer.Typer) -> None:
    @app.command("agenda", help=t("help.agenda"))
    def agenda(
        ctx: typer.Context,
        user: Annotated[str | None, typer.Option("--user", help=t("help.agenda.user"))] = None,
        day: Annotated[str | None, typer.Option("--date", help=t("help.agenda.date"))] = None,
        order: Annotated[str | None, typer.Option("--order", help=t("help.agenda.order"))] = None,
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
        output: Annotated[Path | None, typer.Option("--output", help=t("help.output"))] = None,
    ) -> None:
        from totalfact_tui.services import agenda as agenda_service

        state: CliState = ctx.obj
        database = state.database()
        viewer = agenda_service.person(database, state.user or user)
        subject = agenda_service.person(database, user) if user else viewer
        scope = agenda_service.scope_for(viewer, subject)
        today = state.today()
        agenda_service.settle_day(database, today, state.config.get("preventive_lead_days"))
        chosen = order or agenda_service.order_preference(database, subject.user_id)
        target = parse_day(day, today)
        rows = [
            agenda_dict(row) | {"priority": priority}
            for priority, row in enumerate(
                agenda_service.load_all(database, viewer, scope, target, chosen), start=1
            )
        ]
        emit(rows, AGENDA_COLUMNS, fmt, output, empty_message=t("agenda.empty"))

    action = typer.Typer(help=t("help.action"), no_args_is_help=True)
    app.add_typer(action, name="action")

    @action.command("log", help=t("help.action.log"))
    def log(
        ctx: typer.Context,
        issuer_rut: Annotated[str, typer.Argument()],
        dte_type: Annotated[int, typer.Argument()],
        folio: Annotated[int, typer.Argument()],
        result: Annotated[str, typer.Option("--result", help=t("help.action.result"))],
        reason: Annotated[
            str | None, typer.Option("--reason", help=t("help.action.reason"))
        ] = None,
        promise_date: Annotated[
            str | None, typer.Option("--promise-date", help=t("help.action.promise_date"))
        ] = None,
        promise_amount: Annotated[
            int | None, typer.Option("--promise-amount", help=t("help.action.promise_amount"))
        ] = None,
        next_day: Annotated[str | None, typer.Option("--next", help=t("help.action.next"))] = None,
        comment: Annotated[
            str | None, typer.Option("--comment", help=t("help.action.comment"))
        ] = None,
    ) -> None:
        from totalfact_tui.i18n import format_date
        from totalfact_tui.services.actions import ActionForm, log_action
        from totalfact_tui.services.invoices import get_document_id

        state: CliState = ctx.obj
        database = state.database()
        today = state.today()
        document_id = get_document_id(database, issuer_rut, dte_type, folio)
        logged = log_action(
            database,
            state.user,
            ActionForm(
                document_ids=(document_id,),
                result_code=result,
                reason_code=reason,
                promise_date=parse_day(promise_date, today) if promise_date else None,
                promise_amount=promise_amount,
                next_action_date=parse_day(next_day, today) if next_day else None,
                comment=comment,
            ),
            today,
            grace_days=state.config.get("promise_grace_days"),
            lead_days=state.config.get("preventive_lead_days"),
        )
        typer.echo(t("action.logged", folio=folio, next=format_date(logged.next_action_date)))

    catalog = typer.Typer(help=t("help.catalog"), no_args_is_help=True)
    app.add_typer(catalog, name="catalog")

    def show_catalog(ctx: typer.Context, which: str, fmt: OutputFormat) -> None:
        from totalfact_tui.services.catalog import load_catalogs

        state: CliState = ctx.obj
        catalogs = load_catalogs(state.database())
        entries = catalogs.results if which == "results" else catalogs.reasons
        rows: list[dict[str, Any]] = []
        for entry in entries:
            row: dict[str, Any] = {"code": entry.code, "label": entry.label(language())}
            if which == "results":
                row["kind"] = entry.kind
            rows.append(row)
        columns = CATALOG_COLUMNS if which == "results" else CATALOG_COLUMNS[:2]
        emit(rows, columns, fmt)

    @catalog.command("results", help=t("help.catalog.results"))
    def results(
        ctx: typer.Context,
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
    ) -> None:
        show_catalog(ctx, "results", fmt)

    @catalog.command("reasons", help=t("help.catalog.reasons"))
    def reasons(
        ctx: typer.Context,
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
    ) -> None:
        show_catalog(ctx, "reasons", fmt)
