"""``totalfact templates list|show|edit-path``: the email templates in use, and where an
admin puts their own (a file there overrides the built-in one of the same name)."""

from __future__ import annotations

from typing import Annotated

import typer

from totalfact_tui.cli.output import Column, OutputFormat, emit
from totalfact_tui.i18n import t

COLUMNS = (
    Column("kind", "templates.col.kind"),
    Column("lang", "templates.col.lang"),
    Column("origin", "templates.col.origin"),
    Column("path", "templates.col.path"),
)


def register(app: typer.Typer) -> None:
    templates = typer.Typer(help=t("help.templates"), no_args_is_help=True)
    app.add_typer(templates, name="templates")

    @templates.command("list", help=t("help.templates.list"))
    def list_(
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
    ) -> None:
        from totalfact_tui.services.templates import list_templates

        rows = [
            {
                "kind": info.kind,
                "lang": info.lang,
                "origin": t("templates.own") if info.overridden else t("templates.builtin"),
                "path": str(info.path),
                "html": str(info.html) if info.html else None,
            }
            for info in list_templates()
        ]
        emit(rows, COLUMNS, fmt)

    @templates.command("show", help=t("help.templates.show"))
    def show(
        kind: Annotated[str, typer.Argument()],
        lang: Annotated[str, typer.Option("--lang", help=t("help.lang"))] = "es",
        html: Annotated[bool, typer.Option("--html", help=t("help.templates.html"))] = False,
    ) -> None:
        from totalfact_tui.domain.errors import NotFound
        from totalfact_tui.services.templates import template_info

        info = template_info(kind, lang)
        path = info.html if html else info.path
        if path is None:
            raise NotFound("email.no_template", kind=f"{lang}/{kind}.html")
        typer.echo(f"# {path}")
        typer.echo(path.read_text(encoding="utf-8"))

    @templates.command("edit-path", help=t("help.templates.edit_path"))
    def edit_path() -> None:
        from totalfact_tui.services.templates import own_folder

        typer.echo(str(own_folder()))
