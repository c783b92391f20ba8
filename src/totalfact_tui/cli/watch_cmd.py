"""``totalfact watch``: DTE attachments from the mailbox into the database.

``watch`` runs until stopped (Ctrl-C or SIGTERM end it after the message in hand);
``--once`` processes what is there and exits (for cron); ``--status`` shows what the
watcher last did."""

from __future__ import annotations

import json
import signal
import sys
import threading
from datetime import datetime
from typing import Annotated, Any

import typer

from totalfact_tui.cli.output import json_default
from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t


def _log(line: str) -> None:
    sys.stderr.write(f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S} {line}\n")
    sys.stderr.flush()


def register(app: typer.Typer) -> None:
    @app.command("watch", help=t("help.watch"))
    def watch(
        ctx: typer.Context,
        once: Annotated[bool, typer.Option("--once", help=t("help.watch.once"))] = False,
        as_json: Annotated[bool, typer.Option("--json", help=t("help.watch.json"))] = False,
        status: Annotated[bool, typer.Option("--status", help=t("help.watch.status"))] = False,
        host: Annotated[str | None, typer.Option("--host", help=t("help.watch.host"))] = None,
        port: Annotated[int | None, typer.Option("--port")] = None,
        security: Annotated[
            str | None, typer.Option("--security", help=t("help.watch.security"))
        ] = None,
        username: Annotated[str | None, typer.Option("--username")] = None,
        mailbox: Annotated[str | None, typer.Option("--mailbox")] = None,
        ca_file: Annotated[str | None, typer.Option("--ca-file")] = None,
        poll_seconds: Annotated[int | None, typer.Option("--poll-seconds")] = None,
        lease_seconds: Annotated[
            int, typer.Option("--lease-seconds", min=5, help=t("help.watch.lease"))
        ] = 60,
    ) -> None:
        from totalfact_tui.services import watch as service

        state: CliState = ctx.obj
        database = state.database()
        if status:
            from totalfact_tui.services.watch_status import statuses

            _print_status(statuses(database), as_json)
            return
        settings = service.settings_from_config(
            state.config,
            {
                "host": host,
                "port": port,
                "security": security,
                "username": username,
                "mailbox": mailbox,
                "ca_file": ca_file,
                "poll_seconds": poll_seconds,
            },
        )
        stop = threading.Event()

        def stop_now(signum: int, _frame: Any) -> None:
            if not stop.is_set():
                _log(t("watch.stopping"))
            stop.set()

        signal.signal(signal.SIGTERM, stop_now)
        signal.signal(signal.SIGINT, stop_now)

        def progress(done: int, total: int) -> None:
            if total > settings.batch_size and not as_json:
                _log(t("watch.progress", done=done, total=total))

        if once:
            with service.lease_for(database, settings, lease_seconds) as lease:
                summary = service.run_once(
                    database,
                    settings,
                    _ingest_settings(state),
                    progress=progress,
                    stop=service.Either(stop, lease.lost),
                )
        else:
            _log(t("watch.started", mailbox=settings.status_key))
            summary = service.run_forever(
                database,
                settings,
                lambda: _ingest_settings(state),
                stop,
                _log,
                progress=progress,
                lease_seconds=lease_seconds,
            )
        if as_json:
            typer.echo(json.dumps(summary.as_dict()))
        else:
            typer.echo(t("watch.summary", **summary.as_dict()))


def _ingest_settings(state: CliState) -> Any:
    from totalfact_tui.services.ingest import IngestSettings
    from totalfact_tui.services.ingest_sources import Limits

    config = state.config
    return IngestSettings(
        today=state.today(),
        lead_days=config.get("preventive_lead_days"),
        default_term_days=config.get("default_payment_term_days"),
        limits=Limits(max_file_bytes=config.get("max_file_mb") * 1_048_576),
    )


def _print_status(rows: list[Any], as_json: bool) -> None:
    if as_json:
        data = [
            {
                "mailbox": r.mailbox,
                "last_check_at": r.last_check_at,
                "last_success_at": r.last_success_at,
                **r.counts,
                "last_error": r.last_error,
                "last_error_at": r.last_error_at,
            }
            for r in rows
        ]
        typer.echo(json.dumps(data, ensure_ascii=False, default=json_default, indent=2))
        return
    if not rows:
        typer.echo(t("watch.never_ran"))
        return
    for r in rows:
        when = r.last_check_at.astimezone().strftime("%d-%m-%Y %H:%M") if r.last_check_at else "-"
        typer.echo(t("watch.status_line", mailbox=r.mailbox, when=when, **r.counts))
        if r.last_error:
            at = r.last_error_at.astimezone().strftime("%d-%m-%Y %H:%M") if r.last_error_at else ""
            typer.echo("  " + t("watch.last_error", at=at, error=r.last_error))
