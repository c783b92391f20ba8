"""``totalfact db upgrade|current|copy``."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer

from totalfact_tui.cli.output import Column, OutputFormat, emit
from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t

CHECK_COLUMNS = (
    Column("name", "db_copy.col.name"),
    Column("source", "db_copy.col.source", "int"),
    Column("target", "db_copy.col.target", "int"),
    Column("ok", "db_copy.col.ok", "bool"),
)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help=t("help.db_group"), no_args_is_help=True)
    app.add_typer(group, name="db")

    @group.command("upgrade", help=t("help.db.upgrade"))
    def upgrade(ctx: typer.Context) -> None:
        from totalfact_tui.db.session import open_database
        from totalfact_tui.services import database as database_service

        state: CliState = ctx.obj
        state.config.prepare_default_database_folder()
        database = open_database(state.config.database_url)
        try:
            changed, revision = database_service.upgrade(database)
        finally:
            database.dispose()
        key = "db.upgraded" if changed else "db.up_to_date"
        typer.echo(t(key, revision=revision, url=database.url))

    @group.command("current", help=t("help.db.current"))
    def current(ctx: typer.Context) -> None:
        from totalfact_tui.db.session import open_database
        from totalfact_tui.services import database as database_service

        state: CliState = ctx.obj
        database = open_database(state.config.database_url)
        try:
            revision, head = database_service.revisions(database)
        finally:
            database.dispose()
        typer.echo(t("db.current", revision=revision or t("db.none"), head=head, url=database.url))

    @group.command("copy", help=t("help.db.copy"))
    def copy(
        ctx: typer.Context,
        to_url: Annotated[str, typer.Option("--to", help=t("help.db.copy.to"))],
        from_url: Annotated[str | None, typer.Option("--from", help=t("help.db.copy.from"))] = None,
        as_json: Annotated[bool, typer.Option("--json", help=t("help.watch.json"))] = False,
    ) -> None:
        from totalfact_tui.services.database import open_app_database
        from totalfact_tui.services.db_copy import copy_database

        state: CliState = ctx.obj
        source = open_app_database(from_url or state.config.database_url)
        try:
            target = open_app_database(to_url)
        except BaseException:
            source.dispose()
            raise
        started = time.monotonic()

        def progress(table: str, rows: int) -> None:
            if not as_json and rows:
                sys.stderr.write(t("db_copy.progress", table=table, rows=rows) + "\n")

        try:
            report = copy_database(source, target, progress)
        finally:
            source.dispose()
            target.dispose()
        seconds = time.monotonic() - started
        rows = [
            {"name": c.table, "source": c.source, "target": c.target, "ok": c.ok}
            for c in report.tables
        ] + [
            {"name": name, "source": left, "target": right, "ok": left == right}
            for name, left, right in report.totals
        ]
        if as_json:
            data = {"ok": report.ok, "rows": report.rows, "seconds": round(seconds, 1),
                    "checks": rows}  # fmt: skip
            typer.echo(json.dumps(data))
            return
        emit(rows, CHECK_COLUMNS, OutputFormat.TABLE)
        typer.echo(
            t("db_copy.done", rows=report.rows, tables=len(report.tables),
              seconds=f"{seconds:.1f}", url=target.url)
        )  # fmt: skip
