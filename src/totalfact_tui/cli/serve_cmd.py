"""``totalfact serve``: the full-screen app in a web browser (textual-serve), for a
manager without a terminal. Every browser tab runs its own copy of the app, as the
configured user; bound to this machine (127.0.0.1) unless told otherwise, and then
only with sign-in required."""

from __future__ import annotations

import os
import shlex
import sys
from typing import Annotated

import typer

from totalfact_tui.cli.state import CliState
from totalfact_tui.domain.errors import TotalfactError
from totalfact_tui.i18n import t


def register(app: typer.Typer) -> None:
    @app.command("serve", help=t("help.serve"))
    def serve(
        ctx: typer.Context,
        host: Annotated[str, typer.Option("--host", help=t("help.serve.host"))] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
        public_url: Annotated[
            str | None, typer.Option("--public-url", help=t("help.serve.public_url"))
        ] = None,
    ) -> None:
        from totalfact_tui.mail.imap import is_loopback

        try:
            from textual_serve.server import Server
        except ImportError:
            raise TotalfactError("serve.not_installed") from None
        state: CliState = ctx.obj
        config = state.config
        if not is_loopback(host):
            # Anyone who reaches the port gets the app: only with a sign-in, and say
            # that the traffic needs TLS in front (a reverse proxy).
            if not config.get("require_password"):
                raise TotalfactError("serve.needs_password", host=host)
            sys.stderr.write(t("serve.exposed", host=host, port=port) + "\n")
        state.database()  # fails now, clearly, if the database is unreachable
        # The app each tab runs reads these (never on a command line other users see).
        os.environ["TOTALFACT_DATABASE_URL"] = config.database_url
        os.environ["TOTALFACT_LANG"] = config.lang
        if state.user:
            os.environ["TOTALFACT_USER"] = state.user
        command = f"{shlex.quote(sys.executable)} -m totalfact_tui tui"
        typer.echo(t("serve.started", url=public_url or f"http://{host}:{port}"))
        Server(command, host=host, port=port, title="TotalFact", public_url=public_url).serve()
