"""Benchmark: the collector's screens at scale (issue: agenda, detail, call loop).

Usage: python bench/agenda.py [--invoices N] [--customers N] [--no-postgres] [--no-write]

Builds (once, cached under bench/.cache/) a demo database of N invoices on SQLite and
on PostgreSQL, then measures with a fixed "today":
- the agenda query (first page, ordered, with customer and last action) p50/p95: the
  median of QUERY_ROUNDS rounds of 200 pages each, both orders taking turns;
- the agenda screen: key press (`s`, a reload) to rows painted, headless;
- the detail screen open (customer, invoices, contacts, history): the service call,
  Enter on the agenda to the first frame painted with the data (what the collector
  sees), and Enter to the screen settled (every widget idle, as Pilot.pause waits),
  headless; Enter pressed after the cursor has rested on the row for REST seconds (as a
  collector reads the row first: the invoice is read ahead meanwhile) and Enter pressed
  the moment the cursor lands (nothing read ahead);
- the log-call save round trip (service call, commit, agenda page again).
Rewrites the "Agenda and detail" section of BENCHMARKS.md unless --no-write.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from report import machine, record, write_section  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from totalfact_tui.services import agenda  # noqa: E402
from totalfact_tui.services.actions import ActionForm, log_action  # noqa: E402
from totalfact_tui.services.database import open_app_database  # noqa: E402
from totalfact_tui.services.demo import DemoOptions, build_demo  # noqa: E402
from totalfact_tui.services.invoice_view import load_invoice_view  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
PG_URL = os.environ.get(
    "TOTALFACT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TODAY = date(2026, 11, 26)
#: How long the cursor rests on a row before Enter, in the "resting" pass: a collector
#: reads the row (customer, amount, last action) before opening it.
REST = 0.3
#: Rounds of the agenda query: each figure is the median of the rounds' medians and
#: p95s (the issue's "median of several runs"); every round's p95 is printed.
QUERY_ROUNDS = 5


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered), p95


def timed(run: Callable[[], object], times: int) -> tuple[float, float]:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def sqlite_database(invoices: int, customers: int) -> str:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"demo-{invoices}.db"
    url = f"sqlite:///{path}"
    database = open_app_database(url)
    build_demo(database, DemoOptions(today=TODAY, invoices=invoices, customers=customers))
    database.dispose()
    return url


def postgres_database(invoices: int, customers: int) -> str:
    admin_url = make_url(PG_URL)
    name = f"totalfact_bench_{invoices}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    database = open_app_database(url)
    build_demo(database, DemoOptions(today=TODAY, invoices=invoices, customers=customers))
    # The visibility map, without which an index-only scan still visits the table: on a
    # database just built (and not yet seen by autovacuum) the agenda query's p95 was
    # 7 ms instead of 4. Quick once done.
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM")
    database.dispose()
    return url


def measure_services(url: str) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """The service figures, and a line per agenda order with each round's p95."""
    database = open_app_database(url)
    viewer = agenda.person(database, "cperez")
    scope = agenda.scope_for(viewer)
    results = {}
    rounds: dict[str, list[tuple[float, float]]] = {agenda.OLDEST: [], agenda.LARGEST: []}
    for _ in range(QUERY_ROUNDS):
        for order, runs in rounds.items():
            runs.append(
                timed(
                    lambda order=order: agenda.load_page(database, viewer, scope, TODAY, order),
                    200,
                )
            )
    spread = []
    for order, runs in rounds.items():
        name = f"agenda query, first page ({order})"
        results[name] = (
            statistics.median(median for median, _ in runs),
            statistics.median(p95 for _, p95 in runs),
        )
        spread.append(f"{name}, p95 of each round: " + ", ".join(f"{p:.1f}" for _, p in runs))
    page = agenda.load_page(database, viewer, scope, TODAY)
    document_id = page.rows[0].document_id
    results["detail open (service)"] = timed(
        lambda: load_invoice_view(database, document_id, TODAY, viewer.user_id), 50
    )
    # Calls are logged on rows 100 to 160: each moves its invoice to a later day, and
    # the agenda's head (whose detail screens are timed) must stay the same run to run.
    rows = iter(agenda.load_page(database, viewer, scope, TODAY, limit=160).rows[100:])

    def save() -> None:
        row = next(rows)
        log_action(
            database,
            "cperez",
            ActionForm((row.document_id,), "no_contesta", versions={row.document_id: row.version}),
            TODAY,
        )
        agenda.load_page(database, viewer, scope, TODAY)

    results["log-call save round trip"] = timed(save, 50)
    database.dispose()
    return results, spread


def measure_screen(url: str) -> tuple[float, float]:
    """Key press to rows painted, headless: `s` reloads the agenda in the other order."""
    from textual.pilot import Pilot

    from totalfact_tui.tui.app import TotalfactApp
    from totalfact_tui.tui.context import TuiSettings
    from totalfact_tui.tui.widgets.agenda_table import AgendaTable

    samples: list[float] = []

    async def run() -> None:
        app = TotalfactApp(TuiSettings(database_url=url, username="cperez", today=TODAY))
        async with app.run_test(size=(140, 40)) as pilot:
            await until_rows(pilot)
            table = app.screen.query_one(AgendaTable)
            screen = app.screen
            for _ in range(20):
                order = screen.order  # type: ignore[attr-defined]
                started = time.perf_counter()
                await pilot.press("s")
                # Painted when the new order's rows are in the table and no load runs.
                while (
                    screen.order == order  # type: ignore[attr-defined]
                    or table.row_count == 0
                    or any(w.is_running for w in app.workers)
                ):
                    await pilot.pause(0.002)
                samples.append((time.perf_counter() - started) * 1000)

    async def until_rows(pilot: Pilot[None]) -> None:
        from totalfact_tui.tui.widgets.agenda_table import AgendaTable

        for _ in range(5000):
            await pilot.pause(0.01)
            screen = pilot.app.screen
            if screen.query(AgendaTable) and screen.query_one(AgendaTable).row_count:
                return

    asyncio.run(run())
    return percentiles(samples)


def measure_detail_screen(url: str) -> dict[str, tuple[float, float]]:
    """Enter on each of the agenda's first 20 rows to the first frame painted with the
    detail's customer, invoices, contacts and history, and to the screen settled;
    headless, Escape back between samples. Two passes over the same rows: Enter the
    moment the cursor lands on the row, then Enter after the cursor has rested REST
    seconds on it."""
    from textual.widgets import DataTable

    from totalfact_tui.tui.app import TotalfactApp
    from totalfact_tui.tui.context import TuiSettings
    from totalfact_tui.tui.screens.agenda import AgendaScreen
    from totalfact_tui.tui.screens.detail import DetailScreen
    from totalfact_tui.tui.widgets.agenda_table import AgendaTable

    painted: dict[str, list[float]] = {"at once": [], "resting": []}
    settled: dict[str, list[float]] = {"at once": [], "resting": []}

    async def run() -> None:
        app = TotalfactApp(TuiSettings(database_url=url, username="cperez", today=TODAY))
        frames: list[float] = []

        def detail_shown() -> bool:
            screen = app.screen
            return (
                isinstance(screen, DetailScreen)
                and screen.view is not None
                and screen.query_one("#invoices", DataTable).row_count > 0
            )

        # Textual has no public "frame written" event: App._display is the call that
        # writes a frame to the terminal. A frame written while the detail is the
        # screen with its data in its tables shows that data.
        display = app._display

        def display_and_time(*args: Any) -> None:
            display(*args)
            if detail_shown():
                frames.append(time.perf_counter())

        app._display = display_and_time  # type: ignore[method-assign]

        async with app.run_test(size=(140, 40)) as pilot:

            async def until(ready: Callable[[], bool]) -> None:
                # A plain sleep: Pilot.pause() makes every widget process a message
                # first, which slows the loading worker down.
                while not ready() or any(w.is_running for w in app.workers):
                    await asyncio.sleep(0.002)

            def agenda_shown() -> bool:
                screen = app.screen
                return isinstance(screen, AgendaScreen) and screen.table.row_count > 0

            await until(agenda_shown)
            for case, rest in (("at once", 0.0), ("resting", REST)):
                for row in range(20):
                    # Down the agenda, as a collector works it: twenty invoices, mostly
                    # of different customers (each with its own number of invoices).
                    table = app.screen.query_one(AgendaTable)
                    table.focus()
                    table.move_cursor(row=row)
                    await pilot.pause()  # the cursor painted on its row, as after a key
                    await asyncio.sleep(rest)
                    frames.clear()
                    started = time.perf_counter()
                    # Not Pilot.press(), which also waits for every widget of the agenda
                    # to go idle and every animation to end before it returns.
                    app.simulate_key("enter")
                    await until(lambda: detail_shown() and bool(frames))
                    painted[case].append((frames[0] - started) * 1000)
                    await pilot.pause()  # every widget's messages processed, then a paint
                    settled[case].append((time.perf_counter() - started) * 1000)
                    await pilot.press("escape")
                    await until(agenda_shown)

    asyncio.run(run())
    return {
        "detail screen: Enter to data painted": percentiles(painted["resting"]),
        "detail screen: Enter to settled": percentiles(settled["resting"]),
        "detail screen, Enter as the cursor lands: to data painted": percentiles(
            painted["at once"]
        ),
        "detail screen, Enter as the cursor lands: to settled": percentiles(settled["at once"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    targets: dict[str, tuple[str, float, str] | None] = {
        "agenda query, first page (oldest)": ("<", 5.0, "p95"),
        "agenda query, first page (largest)": ("<", 5.0, "p95"),
        "agenda screen: key press to rows painted": ("<", 300.0, "median"),
        "detail open (service)": ("<", 150.0, "median"),
        "detail screen: Enter to data painted": ("<", 150.0, "median"),
        "detail screen: Enter to settled": None,
        "detail screen, Enter as the cursor lands: to data painted": None,
        "detail screen, Enter as the cursor lands: to settled": None,
        "log-call save round trip": ("<", 100.0, "median"),
    }
    databases = [("SQLite", sqlite_database(args.invoices, args.customers))]
    if not args.no_postgres:
        databases.append(("PostgreSQL", postgres_database(args.invoices, args.customers)))
    lines = []
    spreads = []
    for label, url in databases:
        figures, spread = measure_services(url)
        spreads += [f"- {label}: {line} ms." for line in spread]
        figures["agenda screen: key press to rows painted"] = measure_screen(url)
        figures.update(measure_detail_screen(url))
        for name, (median, p95) in figures.items():
            wanted = targets[name]
            record(name, label, median, "ms", p95=p95, target=wanted)
            target = ""
            if wanted is not None:
                operator, limit, stat = wanted
                target = f"{operator} {limit:g} ms" + (" p95" if stat == "p95" else "")
            line = f"| {name} | {label} | {median:.1f} ms | {p95:.1f} ms | {target} |"
            print(line)
            lines.append(line)
    print("\n".join(spreads))
    if args.no_write:
        return
    write_section(
        "Agenda and detail",
        f"`python bench/agenda.py --invoices {args.invoices} --customers {args.customers}` "
        f"({machine()}); demo database with a fixed today ({TODAY}), collector cperez.\n\n"
        "| figure | database | median | p95 | target |\n|---|---|---:|---:|---|\n"
        + "\n".join(lines)
        + f"\n\nThe agenda query: {QUERY_ROUNDS} rounds of 200 pages, the median of each "
        "round's median and p95 above.\n" + "\n".join(spreads),
    )


if __name__ == "__main__":
    main()
