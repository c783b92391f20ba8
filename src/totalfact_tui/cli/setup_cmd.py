"""``totalfact init``: create or upgrade the database and record an own company."""

from __future__ import annotations

from typing import Annotated

import typer

from totalfact_tui.cli.state import CliState
from totalfact_tui.domain import rut
from totalfact_tui.i18n import t


def register(app: typer.Typer) -> None:
    @app.command("init", help=t("help.init"))
    def init(
        ctx: typer.Context,
        company_rut: Annotated[str, typer.Option("--company-rut", help=t("help.init.rut"))],
        company_name: Annotated[str, typer.Option("--company-name", help=t("help.init.name"))],
    ) -> None:
        from totalfact_tui.services.companies import register_own_company

        state: CliState = ctx.obj
        normal = rut.normalize(company_rut)  # a wrong RUT fails before touching the disk
        database = state.database()
        created = register_own_company(database, normal, company_name, state.user)
        key = "init.created" if created else "init.updated"
        typer.echo(
            t(
                key,
                name=" ".join(company_name.split()),
                rut=rut.format_rut(normal),
                url=database.url,
            )
        )
