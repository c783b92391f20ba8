"""The ``totalfact`` root command: global options, sub-commands, error handling.

The app is built by :func:`build_app` after the interface language is known, so help
texts come from the message catalog. Heavy libraries (SQLAlchemy, Textual) are
imported inside the commands that need them: ``--help`` stays instant.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from totalfact_tui import __version__
from totalfact_tui.cli import (
    agenda_cmd,
    config_cmd,
    db_cmd,
    demo_cmd,
    ingest_cmd,
    invoices_cmd,
    setup_cmd,
    tui_cmd,
    users_cmd,
)
from totalfact_tui.cli.state import CliState
from totalfact_tui.config import LANGUAGES, load_config, normalize_lang
from totalfact_tui.domain.errors import DatabaseUnavailable, TotalfactError
from totalfact_tui.i18n import error_message, set_language, t


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
            tui_cmd.open_tui(state)

    config_cmd.register(app)
    db_cmd.register(app)
    setup_cmd.register(app)
    users_cmd.register(app)
    ingest_cmd.register(app)
    invoices_cmd.register(app)
    invoices_cmd.register_detail(app)
    demo_cmd.register(app)
    agenda_cmd.register(app)
    tui_cmd.register(app)
    return app


def _early_language(args: Sequence[str]) -> str:
    """The interface language before the command line is parsed (help texts need it)."""
    given = None
    for index, arg in enumerate(args):
        if arg == "--lang" and index + 1 < len(args):
            given = args[index + 1]
        elif arg.startswith("--lang="):
            given = arg.split("=", 1)[1]
    if given is not None:
        return normalize_lang(given)
    try:
        return load_config().lang
    except TotalfactError:
        return LANGUAGES[0]


def _log_unexpected(exc: BaseException) -> Path:
    from platformdirs import user_log_path

    folder = user_log_path("totalfact")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "errors.log"
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(exc)) + "\n")
    except OSError:
        return Path(os.devnull)
    return path


def _database_error(exc: Exception) -> TotalfactError | None:
    """SQLAlchemy's connection errors, met mid-command, as a clear message."""
    if not type(exc).__module__.startswith("sqlalchemy"):
        return None
    from sqlalchemy.exc import DBAPIError, OperationalError

    if (
        isinstance(exc, OperationalError | DBAPIError) and exc.connection_invalidated
    ) or isinstance(exc, OperationalError):
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        return DatabaseUnavailable(url="", reason=reason[0] if reason else type(exc).__name__)
    return None


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``totalfact``: exit 0 ok, 1 user error, 2 usage."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        set_language(_early_language(args))
        build_app()(args=args, prog_name="totalfact")
    except TotalfactError as exc:
        typer.echo(error_message(exc), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo(t("error.interrupted"), err=True)
        sys.exit(130)
    except Exception as exc:
        known = _database_error(exc)
        if known is not None:
            typer.echo(error_message(known), err=True)
            sys.exit(1)
        log = _log_unexpected(exc)
        typer.echo(
            t("error.unexpected", kind=type(exc).__name__, detail=str(exc)[:200], log=log),
            err=True,
        )
        sys.exit(1)
