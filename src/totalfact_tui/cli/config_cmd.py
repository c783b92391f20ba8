"""``totalfact config show|path``."""

from __future__ import annotations

from typing import Annotated

import typer

from totalfact_tui.cli.output import Column, OutputFormat, emit
from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t

COLUMNS = (
    Column("name", "config.col.name"),
    Column("value", "config.col.value"),
    Column("source", "config.col.source"),
)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help=t("help.config"), no_args_is_help=True)
    app.add_typer(group, name="config")

    @group.command("show", help=t("help.config.show"))
    def show(
        ctx: typer.Context,
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
    ) -> None:
        state: CliState = ctx.obj
        config = state.config
        rows = [
            {"name": name, "value": value, "source": source}
            for name, value, source in config.display_rows()
        ]
        emit(rows, COLUMNS, fmt)
        if config.extra:
            typer.echo(
                t("config.unknown_keys", path=config.file_path, keys=", ".join(config.extra)),
                err=True,
            )

    @group.command("path", help=t("help.config.path"))
    def path(ctx: typer.Context) -> None:
        state: CliState = ctx.obj
        typer.echo(str(state.config.file_path))
