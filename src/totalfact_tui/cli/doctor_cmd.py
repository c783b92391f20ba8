"""``totalfact doctor``: a checklist of what this installation needs (exit 1 when a
check fails)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t

MARKS = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "–"}


def register(app: typer.Typer) -> None:
    @app.command("doctor", help=t("help.doctor"))
    def doctor(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help=t("help.watch.json"))] = False,
    ) -> None:
        from totalfact_tui.services.doctor import run_checks

        state: CliState = ctx.obj
        checklist = run_checks(state.config)
        if as_json:
            checks = [
                {"check": c.name.removeprefix("doctor."), "status": c.status, "detail": c.detail}
                for c in checklist.checks
            ]
            typer.echo(json.dumps({"ok": checklist.ok, "checks": checks}, ensure_ascii=False))
        else:
            for check in checklist.checks:
                typer.echo(f"{MARKS[check.status]} {t(check.name)}: {check.detail}")
            typer.echo(t("doctor.all_good") if checklist.ok else t("doctor.problems"))
        if not checklist.ok:
            raise typer.Exit(1)
