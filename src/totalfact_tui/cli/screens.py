"""Opening the full-screen application from the command line (typer-free: the direct
path of ``launch`` uses it as well as ``totalfact tui``)."""

from __future__ import annotations

from totalfact_tui.cli.state import CliState


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
            dial_command=config.get("dial_command"),
            opener=config.get("opener"),
            theme=config.get("theme"),
            keymap=dict(config.keymap),
            smtp={k: v for k, v in config.values.items() if k.startswith("smtp.")},
            require_password=config.get("require_password"),
        )
    )
