"""``totalfact`` (no command) and ``totalfact tui``: the full-screen application.

Textual is imported only here, when the screens are about to open: ``--help`` and the
headless commands stay free of it.
"""

from __future__ import annotations

import typer

from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t


def open_tui(state: CliState, username: str | None = None) -> None:
    from totalfact_tui.tui.app import run_tui
    from totalfact_tui.tui.context import TuiSettings

    config = state.config
    config.prepare_default_database_folder()
    run_tui(
        TuiSettings(
            database_url=config.database_url,
            username=username or state.user,
            lang=config.lang,
            timezone=config.get("timezone"),
            lead_days=config.get("preventive_lead_days"),
            grace_days=config.get("promise_grace_days"),
            close_detail_after_log=config.get("close_detail_after_log"),
        )
    )


def register(app: typer.Typer) -> None:
    @app.command("tui", help=t("help.tui"))
    def tui(ctx: typer.Context) -> None:
        open_tui(ctx.obj)
