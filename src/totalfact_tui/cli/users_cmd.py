"""``totalfact users add|list|passwd|disable|enable``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from totalfact_tui.cli.output import Column, OutputFormat, emit
from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t

COLUMNS = (
    Column("username", "users.col.username"),
    Column("name", "users.col.name"),
    Column("role", "users.col.role", "role"),
    Column("email", "users.col.email"),
    Column("active", "users.col.active", "bool"),
)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help=t("help.users"), no_args_is_help=True)
    app.add_typer(group, name="users")

    @group.command("add", help=t("help.users.add"))
    def add(
        ctx: typer.Context,
        username: Annotated[str, typer.Argument()],
        name: Annotated[str, typer.Option("--name", help=t("help.users.name"))],
        role: Annotated[str, typer.Option("--role", help=t("help.users.role"))],
        email: Annotated[str | None, typer.Option("--email", help=t("help.users.email"))] = None,
    ) -> None:
        from totalfact_tui.services.users import add_user

        state: CliState = ctx.obj
        user = add_user(state.database(), username, name, role, email, acting=state.user)
        typer.echo(t("users.added", username=user.username, role=t(f"role.{user.role}")))

    @group.command("list", help=t("help.users.list"))
    def list_(
        ctx: typer.Context,
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
        output: Annotated[Path | None, typer.Option("--output", help=t("help.output"))] = None,
    ) -> None:
        from totalfact_tui.services.users import list_users

        state: CliState = ctx.obj
        rows = [asdict(user) for user in list_users(state.database())]
        emit(rows, COLUMNS, fmt, output, empty_message=t("users.none"))

    @group.command("passwd", help=t("help.users.passwd"))
    def passwd(
        ctx: typer.Context,
        username: Annotated[str, typer.Argument()],
        from_stdin: Annotated[
            bool, typer.Option("--password-stdin", help=t("help.users.password_stdin"))
        ] = False,
    ) -> None:
        import sys

        from totalfact_tui.services.users import set_password

        state: CliState = ctx.obj
        if from_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = typer.prompt(
                t("users.new_password", username=username),
                hide_input=True,
                confirmation_prompt=t("users.repeat_password"),
            )
        set_password(state.database(), username, password, acting=state.user)
        typer.echo(t("users.password_set", username=username))

    @group.command("disable", help=t("help.users.disable"))
    def disable(ctx: typer.Context, username: Annotated[str, typer.Argument()]) -> None:
        from totalfact_tui.services.users import set_active

        state: CliState = ctx.obj
        set_active(state.database(), username, False, acting=state.user)
        typer.echo(t("users.disabled", username=username))

    @group.command("enable", help=t("help.users.enable"))
    def enable(ctx: typer.Context, username: Annotated[str, typer.Argument()]) -> None:
        from totalfact_tui.services.users import set_active

        state: CliState = ctx.obj
        set_active(state.database(), username, True, acting=state.user)
        typer.echo(t("users.enabled", username=username))
