"""``totalfact outbox``: the emails waiting, sent and failed; ``outbox send`` delivers
what is due over SMTP; ``outbox retry ID`` queues a failed or uncertain one again."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from totalfact_tui.cli.output import Column, OutputFormat, emit
from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t

COLUMNS = (
    Column("id", "work.col.id", "int"),
    Column("status", "work.col.status"),
    Column("to", "email.to"),
    Column("subject", "email.subject"),
    Column("attempts", "outbox.col.attempts", "int"),
    Column("last_error", "outbox.col.last_error"),
)


def register(app: typer.Typer) -> None:
    outbox = typer.Typer(help=t("help.outbox"), invoke_without_command=True)
    app.add_typer(outbox, name="outbox")

    @outbox.callback()
    def show(
        ctx: typer.Context,
        status: Annotated[
            str | None, typer.Option("--status", help=t("help.outbox.status"))
        ] = None,
        fmt: Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))] = (
            OutputFormat.TABLE
        ),
    ) -> None:
        if ctx.invoked_subcommand is not None:
            return
        from totalfact_tui.services.outbox import list_outbox

        state: CliState = ctx.obj
        rows: list[dict[str, Any]] = [
            {
                "id": v.id,
                "message_id": v.message_id,
                "status": v.status,
                "to": v.to,
                "subject": v.subject,
                "attempts": v.attempts,
                "last_error": v.last_error,
                "created_at": v.created_at,
                "sent_at": v.sent_at,
                "next_attempt_at": v.next_attempt_at,
            }
            for v in list_outbox(state.database(), status)
        ]
        emit(rows, COLUMNS, fmt, empty_message=t("outbox.empty"))

    @outbox.command("send", help=t("help.outbox.send"))
    def send(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help=t("help.watch.json"))] = False,
        host: Annotated[str | None, typer.Option("--host", help=t("help.outbox.host"))] = None,
        port: Annotated[int | None, typer.Option("--port")] = None,
        security: Annotated[
            str | None, typer.Option("--security", help=t("help.watch.security"))
        ] = None,
        username: Annotated[str | None, typer.Option("--username")] = None,
        sender: Annotated[str | None, typer.Option("--from")] = None,
    ) -> None:
        from totalfact_tui.services.outbox import send_queued, settings_from_values

        state: CliState = ctx.obj
        database = state.database()
        options = {
            "smtp.host": host,
            "smtp.port": port,
            "smtp.security": security,
            "smtp.username": username,
            "smtp.from": sender,
        }
        values = {**state.config.values, **{k: v for k, v in options.items() if v is not None}}
        summary = send_queued(database, settings_from_values(values))
        if as_json:
            typer.echo(json.dumps(summary.as_dict()))
        else:
            typer.echo(t("outbox.summary", **summary.as_dict()))

    @outbox.command("retry", help=t("help.outbox.retry"))
    def retry(ctx: typer.Context, outbox_id: Annotated[int, typer.Argument()]) -> None:
        from totalfact_tui.services.outbox import retry as retry_one

        state: CliState = ctx.obj
        retry_one(state.database(), state.user, outbox_id)
        typer.echo(t("outbox.requeued", id=outbox_id))
