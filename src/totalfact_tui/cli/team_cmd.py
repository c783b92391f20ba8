"""``totalfact groups add|list|members`` and ``totalfact assign``: who collects which
customers (admins)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from totalfact_tui.cli.output import Column, OutputFormat, emit
from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t

GROUP_COLUMNS = (
    Column("name", "groups.col.name"),
    Column("description", "groups.col.description"),
    Column("members", "groups.col.members"),
)


def register(app: typer.Typer) -> None:
    groups = typer.Typer(help=t("help.groups"), no_args_is_help=True)
    app.add_typer(groups, name="groups")

    @groups.command("add", help=t("help.groups.add"))
    def add(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument()],
        description: Annotated[str | None, typer.Option("--description")] = None,
    ) -> None:
        from totalfact_tui.services.groups import add_group

        state: CliState = ctx.obj
        group = add_group(state.database(), name, description, acting=state.user)
        typer.echo(t("groups.added", name=group.name))

    @groups.command("list", help=t("help.groups.list"))
    def list_(
        ctx: typer.Context,
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
        output: Annotated[Path | None, typer.Option("--output", help=t("help.output"))] = None,
    ) -> None:
        from totalfact_tui.services.groups import list_groups

        state: CliState = ctx.obj
        rows = [asdict(group) for group in list_groups(state.database())]
        if fmt is not OutputFormat.JSON:
            for row in rows:
                row["members"] = ", ".join(row["members"])
        emit(rows, GROUP_COLUMNS, fmt, output, empty_message=t("groups.none"))

    @groups.command("members", help=t("help.groups.members"))
    def members(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument()],
        add: Annotated[
            list[str] | None, typer.Option("--add", help=t("help.groups.add_member"))
        ] = None,
        remove: Annotated[
            list[str] | None, typer.Option("--remove", help=t("help.groups.remove_member"))
        ] = None,
    ) -> None:
        from totalfact_tui.services.groups import set_members

        state: CliState = ctx.obj
        group = set_members(state.database(), name, add, remove, acting=state.user)
        typer.echo(t("groups.members", name=group.name, members=", ".join(group.members) or "—"))

    @app.command("assign", help=t("help.assign"))
    def assign(
        ctx: typer.Context,
        ruts: Annotated[list[str] | None, typer.Argument(metavar="[CUSTOMER_RUT]...")] = None,
        to: Annotated[str, typer.Option("--to", help=t("help.assign.to"))] = "",
        segment: Annotated[
            str | None, typer.Option("--segment", help=t("help.assign.segment"))
        ] = None,
        min_balance: Annotated[
            int | None, typer.Option("--min-balance", help=t("help.assign.min_balance"))
        ] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help=t("help.dry_run"))] = False,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        from totalfact_tui.domain.errors import InvalidValue
        from totalfact_tui.services.assignments import assign as run

        state: CliState = ctx.obj
        if not to:
            raise InvalidValue("assign.needs_to")
        summary = run(
            state.database(),
            to,
            ruts=ruts or (),
            segment=segment,
            min_balance=min_balance,
            acting=state.user,
            dry_run=dry_run,
        )
        if as_json:
            typer.echo(json.dumps(asdict(summary), ensure_ascii=False))
            return
        key = "assign.would" if dry_run else "assign.done"
        typer.echo(t(key, customers=summary.customers, invoices=summary.invoices, to=summary.to))


def register_reassign(app: typer.Typer) -> None:
    reassign = typer.Typer(help=t("help.reassign"), invoke_without_command=True)
    app.add_typer(reassign, name="reassign")

    @reassign.callback()
    def run(
        ctx: typer.Context,
        from_user: Annotated[
            str | None, typer.Option("--from", help=t("help.reassign.from"))
        ] = None,
        to: Annotated[str | None, typer.Option("--to", help=t("help.reassign.to"))] = None,
        day: Annotated[str | None, typer.Option("--date", help=t("help.reassign.date"))] = None,
        start: Annotated[str | None, typer.Option("--start")] = None,
        end: Annotated[str | None, typer.Option("--end")] = None,
        split: Annotated[str, typer.Option("--split", help=t("help.reassign.split"))] = (
            "round-robin"
        ),
        dry_run: Annotated[bool, typer.Option("--dry-run", help=t("help.dry_run"))] = False,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        from totalfact_tui.cli.agenda_cmd import parse_day
        from totalfact_tui.domain.errors import InvalidValue
        from totalfact_tui.services.reassign import reassign as run_reassign

        if ctx.invoked_subcommand is not None:
            return
        if not from_user or not to:
            raise InvalidValue("reassign.needs_from_to")
        state: CliState = ctx.obj
        today = state.today()
        first = parse_day(start or day, today)
        last = parse_day(end or day, first)
        summary = run_reassign(
            state.database(),
            from_user,
            to.split(","),
            first,
            last,
            split=split,
            acting=state.user,
            dry_run=dry_run,
        )
        if as_json:
            typer.echo(json.dumps(summary.as_json(), ensure_ascii=False))
            return
        shares = ", ".join(f"{name}: {count}" for name, count in summary.to.items())
        key = "reassign.would" if dry_run else "reassign.done"
        typer.echo(t(key, id=summary.id, items=summary.items, absent=from_user, shares=shares))

    @reassign.command("undo", help=t("help.reassign.undo"))
    def undo(
        ctx: typer.Context, reassignment_id: Annotated[int, typer.Argument(metavar="ID")]
    ) -> None:
        from totalfact_tui.services.reassign import undo as run_undo

        state: CliState = ctx.obj
        returned = run_undo(state.database(), reassignment_id, acting=state.user)
        typer.echo(t("reassign.undone", id=reassignment_id, items=returned))
