"""The ``totalfact`` root command: global options, sub-commands, error handling.

The app is built by :func:`build_app` after the interface language is known, so help
texts come from the message catalog. Heavy libraries (SQLAlchemy, Textual) are
imported inside the commands that need them: ``--help`` stays instant.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from totalfact_tui import __version__
from totalfact_tui.cli import (
    agenda_cmd,
    audit_cmd,
    config_cmd,
    db_cmd,
    demo_cmd,
    doctor_cmd,
    dunning_cmd,
    ingest_cmd,
    invoices_cmd,
    outbox_cmd,
    report_cmd,
    serve_cmd,
    setup_cmd,
    team_cmd,
    templates_cmd,
    tui_cmd,
    users_cmd,
    watch_cmd,
    work_cmd,
)
from totalfact_tui.cli.guard import guarded
from totalfact_tui.cli.screens import open_tui
from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t


def _version(value: bool) -> None:
    if value:
        typer.echo(f"totalfact {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="totalfact",
        help=t("help.app"),
        no_args_is_help=False,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback(invoke_without_command=True)
    def root(
        ctx: typer.Context,
        db: Annotated[str | None, typer.Option("--db", help=t("help.db"))] = None,
        user: Annotated[str | None, typer.Option("--user", help=t("help.user"))] = None,
        lang: Annotated[str | None, typer.Option("--lang", help=t("help.lang"))] = None,
        version: Annotated[
            bool, typer.Option("--version", callback=_version, is_eager=True)
        ] = False,
    ) -> None:
        state = CliState(options={"database_url": db, "user": user, "lang": lang})
        ctx.obj = state
        ctx.call_on_close(state.close)
        if ctx.invoked_subcommand is None:
            open_tui(state)

    config_cmd.register(app)
    db_cmd.register(app)
    setup_cmd.register(app)
    users_cmd.register(app)
    ingest_cmd.register(app)
    invoices_cmd.register(app)
    invoices_cmd.register_detail(app)
    demo_cmd.register(app)
    agenda_cmd.register(app)
    work_cmd.register(app)
    watch_cmd.register(app)
    outbox_cmd.register(app)
    templates_cmd.register(app)
    dunning_cmd.register(app)
    dunning_cmd.register_notify(app)
    report_cmd.register(app)
    team_cmd.register(app)
    team_cmd.register_reassign(app)
    audit_cmd.register(app)
    doctor_cmd.register(app)
    serve_cmd.register(app)
    tui_cmd.register(app)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    """The full command line: exit 0 ok, 1 user error, 2 usage."""
    args = list(sys.argv[1:] if argv is None else argv)
    guarded(args, lambda: build_app()(args=args, prog_name="totalfact"))
