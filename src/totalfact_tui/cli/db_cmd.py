"""``totalfact db upgrade|current``."""

from __future__ import annotations

import typer

from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t


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
