"""``totalfact demo``: build the demo database and show what it holds."""

from __future__ import annotations

from typing import Annotated

import typer

from totalfact_tui.cli.state import CliState
from totalfact_tui.domain.money import format_clp
from totalfact_tui.i18n import t


def register(app: typer.Typer) -> None:
    @app.command("demo", help=t("help.demo"))
    def demo(
        ctx: typer.Context,
        seed: Annotated[int, typer.Option("--seed", help=t("help.demo.seed"))] = 42,
        customers: Annotated[int, typer.Option("--customers", help=t("help.demo.customers"))] = 150,
        invoices: Annotated[int, typer.Option("--invoices", help=t("help.demo.invoices"))] = 3000,
        no_tui: Annotated[bool, typer.Option("--no-tui", help=t("help.demo.no_tui"))] = False,
        reset: Annotated[bool, typer.Option("--reset", help=t("help.demo.reset"))] = False,
    ) -> None:
        from totalfact_tui.services.demo import DemoOptions, build_demo

        state: CliState = ctx.obj
        config = state.config
        today = state.today()
        options = DemoOptions(
            today=today,
            seed=seed,
            customers=customers,
            invoices=invoices,
            timezone=config.get("timezone"),
            lead_days=config.get("preventive_lead_days"),
            grace_days=config.get("promise_grace_days"),
        )
        database = state.database()
        typer.echo(t("demo.building", invoices=invoices, customers=customers), err=True)
        summary = build_demo(database, options, reset=reset)
        if not summary.created:
            typer.echo(t("demo.exists", seed=summary.seed, built=summary.built_on))
        _print_summary(summary, database.url)
        if not no_tui:
            from totalfact_tui.cli.screens import open_tui
            from totalfact_tui.services.demo import DEFAULT_COLLECTOR

            open_tui(state, state.user or DEFAULT_COLLECTOR)


def _print_summary(summary: object, url: str) -> None:
    from rich.table import Table

    from totalfact_tui.cli.output import console
    from totalfact_tui.services.demo import DemoSummary

    assert isinstance(summary, DemoSummary)
    table = Table(title=t("demo.summary.title"), show_header=False, show_edge=False)
    table.add_column()
    table.add_column(justify="right")
    rows = [
        (t("demo.summary.database"), url),
        (t("demo.summary.customers"), f"{summary.customers:,}"),
        (t("demo.summary.contacts"), f"{summary.contacts:,}"),
        (t("demo.summary.invoices"), f"{summary.invoices:,}"),
        (t("demo.summary.credit_notes"), f"{summary.credit_notes:,}"),
        (t("demo.summary.open_invoices"), f"{summary.open_invoices:,}"),
        (t("demo.summary.open_balance"), format_clp(summary.open_balance)),
        (t("demo.summary.payments"), f"{summary.payments:,}"),
        (t("demo.summary.actions"), f"{summary.actions:,}"),
        (
            t("demo.summary.promises"),
            f"{summary.promises_kept:,} / {summary.promises_broken:,} / {summary.promises_open:,}",
        ),
        (t("demo.summary.notes_tasks"), f"{summary.notes:,} / {summary.tasks:,}"),
    ]
    rows += [(t("demo.summary.agenda", user=user), str(n)) for user, n in summary.agenda.items()]
    if summary.seconds:
        rows.append((t("demo.summary.seconds"), f"{summary.seconds:.1f} s"))
    for label, value in rows:
        table.add_row(label, value.replace(",", "."))
    console().print(table)
    typer.echo(t("demo.summary.try", url=url))
