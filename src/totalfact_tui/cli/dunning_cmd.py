"""``totalfact dunning run``: the reminder cadence for a day (idempotent: a second run
on the same day queues nothing new); ``totalfact notify run``: internal notifications,
once each."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from totalfact_tui.cli.agenda_cmd import parse_day
from totalfact_tui.cli.output import Column, OutputFormat, emit
from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t

COLUMNS = (
    Column("customer", "agenda.col.customer"),
    Column("step", "dunning.col.step", "int"),
    Column("template", "templates.col.kind"),
    Column("invoices", "dunning.col.invoices", "int"),
    Column("to", "email.to"),
    Column("call", "dunning.col.call", "bool"),
)


def register(app: typer.Typer) -> None:
    dunning = typer.Typer(help=t("help.dunning"), no_args_is_help=True)
    app.add_typer(dunning, name="dunning")

    @dunning.command("run", help=t("help.dunning.run"))
    def run(
        ctx: typer.Context,
        day: Annotated[str | None, typer.Option("--date", help=t("help.agenda.date"))] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help=t("help.dry_run"))] = False,
        as_json: Annotated[bool, typer.Option("--json", help=t("help.watch.json"))] = False,
    ) -> None:
        from totalfact_tui.services.dunning import run_dunning, steps_from_config

        state: CliState = ctx.obj
        config = state.config
        steps, segments = steps_from_config(config.get("dunning.steps"), config.dunning_segments)
        result = run_dunning(
            state.database(), parse_day(day, state.today()), steps, segments, dry_run=dry_run
        )
        if as_json:
            typer.echo(json.dumps(result.as_dict()))
            return
        rows = [
            {
                "customer": plan.customer_name,
                "step": plan.step.days,
                "template": plan.step.template or "-",
                "invoices": len(plan.document_ids),
                "to": plan.to or "-",
                "call": plan.step.call,
            }
            for plan in result.plans
        ]
        emit(rows, COLUMNS, OutputFormat.TABLE, empty_message=t("dunning.nothing"))
        typer.echo(
            t(
                "dunning.summary",
                **result.as_dict()["skipped"],
                **{k: v for k, v in result.as_dict().items() if k != "skipped"},
            )
        )
        if dry_run:
            typer.echo(t("work.import.dry_run"))


def register_notify(app: typer.Typer) -> None:
    notify = typer.Typer(help=t("help.notify"), no_args_is_help=True)
    app.add_typer(notify, name="notify")

    @notify.command("run", help=t("help.notify.run"))
    def run(
        ctx: typer.Context,
        day: Annotated[str | None, typer.Option("--date", help=t("help.agenda.date"))] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help=t("help.dry_run"))] = False,
        as_json: Annotated[bool, typer.Option("--json", help=t("help.watch.json"))] = False,
    ) -> None:
        from totalfact_tui.services.notifications import run_notifications

        state: CliState = ctx.obj
        result = run_notifications(state.database(), parse_day(day, state.today()), dry_run=dry_run)
        if as_json:
            typer.echo(json.dumps(result.counts))
        else:
            typer.echo(t("notify.summary", **result.counts))
