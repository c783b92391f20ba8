"""The ``totalfact`` command. With no command (only ``--db``, ``--user``, ``--lang``)
it opens the screens directly, without building the command line (a faster start);
anything else goes to the full command line."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from totalfact_tui.cli.guard import guarded

GLOBAL_OPTIONS = {"--db": "database_url", "--user": "user", "--lang": "lang"}


def screen_options(args: Sequence[str]) -> dict[str, str] | None:
    """The global options when ``args`` hold nothing else; None otherwise."""
    options: dict[str, str] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        name, equals, value = arg.partition("=")
        if name not in GLOBAL_OPTIONS:
            return None
        if not equals:
            if index + 1 >= len(args):
                return None
            value = args[index + 1]
            index += 1
        options[GLOBAL_OPTIONS[name]] = value
        index += 1
    return options


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    options = screen_options(args)
    if options is None:
        from totalfact_tui.cli.app import main as command_line

        command_line(args)
        return

    def open_screens() -> None:
        from totalfact_tui.cli.screens import open_tui
        from totalfact_tui.cli.state import CliState

        open_tui(CliState(options=dict(options)))

    guarded(args, open_screens)
