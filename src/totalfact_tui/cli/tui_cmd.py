"""``totalfact tui``: the full-screen application (same as no command).

Textual is imported only when the screens are about to open: ``--help`` and the
headless commands stay free of it.
"""

from __future__ import annotations

import typer

from totalfact_tui.cli.screens import open_tui
from totalfact_tui.i18n import t


def register(app: typer.Typer) -> None:
    @app.command("tui", help=t("help.tui"))
    def tui(ctx: typer.Context) -> None:
        open_tui(ctx.obj)
