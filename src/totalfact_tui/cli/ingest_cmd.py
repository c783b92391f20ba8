"""``totalfact ingest PATH...``: load DTE files, folders and zip archives."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t

if TYPE_CHECKING:
    from totalfact_tui.services.ingest import IngestSummary

PROGRESS_FROM = 6  # files; fewer finish before a bar would be worth drawing


def register(app: typer.Typer) -> None:
    @app.command("ingest", help=t("help.ingest"))
    def ingest(
        ctx: typer.Context,
        paths: Annotated[list[Path], typer.Argument()],
        as_json: Annotated[bool, typer.Option("--json", help=t("help.ingest.json"))] = False,
        strict: Annotated[bool, typer.Option("--strict", help=t("help.ingest.strict"))] = False,
        verify_signatures: Annotated[
            bool, typer.Option("--verify-signatures", help=t("help.ingest.verify"))
        ] = False,
    ) -> None:
        from totalfact_tui.services.ingest import IngestSettings, ingest_paths
        from totalfact_tui.services.ingest_sources import Limits, check_paths, count_files

        state: CliState = ctx.obj
        config = state.config
        check_paths(paths)
        settings = IngestSettings(
            today=state.today(),
            lead_days=config.get("preventive_lead_days"),
            default_term_days=config.get("default_payment_term_days"),
            limits=Limits(max_file_bytes=config.get("max_file_mb") * 1_048_576),
            verify_signatures=verify_signatures,
        )
        database = state.database()
        total = count_files(paths)
        if total >= PROGRESS_FROM and not as_json and sys.stderr.isatty():
            from rich.progress import Progress

            with Progress(transient=True) as progress:
                task = progress.add_task(t("ingest.progress"), total=total)
                summary = ingest_paths(
                    database, paths, settings, on_file=lambda _name: progress.advance(task)
                )
        else:
            summary = ingest_paths(database, paths, settings)
        if as_json:
            typer.echo(json.dumps(summary_dict(summary), ensure_ascii=False, indent=2))
        else:
            print_summary(summary)
        if strict and summary.rejected:
            raise typer.Exit(1)


def _issue(issue: Any) -> dict[str, str]:
    return {
        "file": issue.file,
        "document": issue.document,
        "reason": t(issue.key, **issue.params),
        "code": issue.key,
    }


def summary_dict(summary: IngestSummary) -> dict[str, Any]:
    result: dict[str, Any] = {name: getattr(summary, name) for name in summary.COUNTS}
    result["errors"] = [_issue(issue) for issue in summary.errors]
    result["warnings"] = [_issue(issue) for issue in summary.warnings]
    return result


def print_summary(summary: IngestSummary) -> None:
    from rich.table import Table

    from totalfact_tui.cli.output import console

    printer = console()
    totals = Table(title=t("ingest.summary.title"), show_header=False, show_edge=False)
    totals.add_column()
    totals.add_column(justify="right")
    for name in summary.COUNTS:
        totals.add_row(t(f"ingest.summary.{name}"), f"{getattr(summary, name):,}".replace(",", "."))
    printer.print(totals)
    for title, issues in (
        (t("ingest.problems"), summary.errors),
        (t("ingest.warnings"), summary.warnings),
    ):
        if not issues:
            continue
        table = Table(title=title, show_edge=False)
        table.add_column(t("ingest.col.file"), overflow="fold")
        table.add_column(t("ingest.col.document"))
        table.add_column(t("ingest.col.reason"), overflow="fold")
        for issue in issues:
            table.add_row(issue.file, issue.document, t(issue.key, **issue.params))
        printer.print(table)
