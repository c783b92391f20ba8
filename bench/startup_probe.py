"""One cold start of `totalfact` (the real entry point), headless; prints the seconds
from process start to the first paint and to the agenda filled, then opens the first
invoice's detail screen, goes back, pages down the agenda, and prints the process's
peak memory (MB). Used by startup.py."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys


def since_process_start() -> float:
    with open("/proc/self/stat") as handle:
        start_ticks = int(handle.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as handle:
        uptime = float(handle.read().split()[0])
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def peak_megabytes() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    import totalfact_tui.tui.app as tui_app

    marks: dict[str, float] = {}

    def run_headless(settings: object) -> None:
        app = tui_app.TotalfactApp(settings)  # type: ignore[arg-type]

        async def pilot(pilot: object) -> None:
            from totalfact_tui.tui.widgets.agenda_table import AgendaTable

            marks["first_paint"] = since_process_start()
            # Poll cheaply, with a plain sleep and the table looked up once: Pilot.pause()
            # first waits for every widget to process a message, and doing that (or a
            # DOM query) every 5 ms kept the event loop busy enough to slow the loading
            # worker down by half; a user's app is idle while it loads.
            table = app.screen.query_one(AgendaTable)
            for _ in range(3000):
                await asyncio.sleep(0.005)
                if table.row_count:
                    break
            marks["agenda_filled"] = since_process_start()
            # A little work, as a collector would: open an invoice, back, page down.
            await pilot.press("enter")  # type: ignore[attr-defined]
            for _ in range(400):
                await pilot.pause(0.005)  # type: ignore[attr-defined]
                if not any(worker.is_running for worker in app.workers):
                    break
            await pilot.press("escape", "pagedown", "pagedown")  # type: ignore[attr-defined]
            await pilot.pause(0.3)  # type: ignore[attr-defined]
            app.exit()

        app.run(headless=True, auto_pilot=pilot, size=(140, 40))

    tui_app.run_tui = run_headless  # the entry point calls it as usual
    from totalfact_tui.cli.launch import main as entry

    with contextlib.suppress(SystemExit):
        entry(sys.argv[1:])
    print(f"{marks['first_paint']:.3f} {marks['agenda_filled']:.3f} {peak_megabytes():.1f}")


if __name__ == "__main__":
    main()
