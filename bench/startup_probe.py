"""One cold start of `totalfact` (the real entry point), headless; prints the seconds
from process start to the first paint and to the agenda filled. Used by startup.py."""

from __future__ import annotations

import contextlib
import os
import sys


def since_process_start() -> float:
    with open("/proc/self/stat") as handle:
        start_ticks = int(handle.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as handle:
        uptime = float(handle.read().split()[0])
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    import totalfact_tui.tui.app as tui_app

    marks: dict[str, float] = {}

    def run_headless(settings: object) -> None:
        app = tui_app.TotalfactApp(settings)  # type: ignore[arg-type]

        async def pilot(pilot: object) -> None:
            from totalfact_tui.tui.widgets.agenda_table import AgendaTable

            marks["first_paint"] = since_process_start()
            for _ in range(3000):
                await pilot.pause(0.005)  # type: ignore[attr-defined]
                tables = app.screen.query(AgendaTable)
                if tables and tables.first().row_count:
                    break
            marks["agenda_filled"] = since_process_start()
            app.exit()

        app.run(headless=True, auto_pilot=pilot, size=(140, 40))

    tui_app.run_tui = run_headless  # the entry point calls it as usual
    from totalfact_tui.cli.launch import main as entry

    with contextlib.suppress(SystemExit):
        entry(sys.argv[1:])
    print(f"{marks['first_paint']:.3f} {marks['agenda_filled']:.3f}")


if __name__ == "__main__":
    main()
