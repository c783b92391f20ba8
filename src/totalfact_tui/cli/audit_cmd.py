"""``totalfact audit``: who did what to which record, with before and after values.
The trail is read-only: no command changes it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from totalfact_tui.cli.agenda_cmd import parse_day
from totalfact_tui.cli.output import Column, OutputFormat, emit
from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t

COLUMNS = (
    Column("at", "audit.col.at"),
    Column("username", "audit.col.user"),
    Column("entity", "audit.col.entity"),
    Column("entity_id", "audit.col.key"),
    Column("action", "audit.col.action"),
    Column("before", "audit.col.before"),
    Column("after", "audit.col.after"),
)


def register(app: typer.Typer) -> None:
    @app.command("audit", help=t("help.audit"))
    def audit(
        ctx: typer.Context,
        user: Annotated[str | None, typer.Option("--user", help=t("help.audit.user"))] = None,
        entity: Annotated[str | None, typer.Option("--entity", help=t("help.audit.entity"))] = None,
        since: Annotated[str | None, typer.Option("--since", help=t("help.audit.since"))] = None,
        limit: Annotated[int, typer.Option("--limit")] = 200,
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
        output: Annotated[Path | None, typer.Option("--output", help=t("help.output"))] = None,
    ) -> None:
        from totalfact_tui.services.audit import entries

        state: CliState = ctx.obj
        day = parse_day(since, state.today()) if since else None
        rows = entries(state.database(), username=user, entity=entity, since=day, limit=limit)
        if fmt in (OutputFormat.TABLE, OutputFormat.CSV, OutputFormat.XLSX):
            import json

            for row in rows:
                for key in ("before", "after"):
                    value = row[key]
                    row[key] = "" if value is None else json.dumps(value, ensure_ascii=False)
        emit(rows, COLUMNS, fmt, output, empty_message=t("audit.none"))
