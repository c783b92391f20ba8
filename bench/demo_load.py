"""Benchmark: how long `totalfact demo` takes to build a large demo database.

Usage: python bench/demo_load.py [--invoices N] [--customers N] [--no-postgres]

Builds the demo at the given size on a fresh SQLite file and on a fresh PostgreSQL
database (TOTALFACT_TEST_PG_URL's server), prints the timings and rewrites the
"Demo load" section of BENCHMARKS.md. Target: 1,000,000 invoices in under 3 minutes.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from report import machine, record, write_section
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.demo import DemoOptions, build_demo

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get(
    "TOTALFACT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TARGET_SECONDS = 180


def run(url: str, options: DemoOptions) -> tuple[float, int]:
    database = open_app_database(url)
    started = time.perf_counter()
    summary = build_demo(database, options)
    elapsed = time.perf_counter() - started
    database.dispose()
    return elapsed, summary.actions + summary.payments + summary.invoices + summary.contacts


def on_sqlite(options: DemoOptions) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as folder:
        return run(f"sqlite:///{folder}/bench.db", options)


def on_postgres(options: DemoOptions) -> tuple[float, int, str]:
    admin_url = make_url(PG_URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"totalfact_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        version = str(connection.execute(text("SHOW server_version")).scalar())
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = admin_url.set(database=name).render_as_string(hide_password=False)
        elapsed, rows = run(url, options)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return elapsed, rows, version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    # The target scales with the size asked for (180 s for 1,000,000 invoices).
    limit = TARGET_SECONDS * args.invoices / 1_000_000
    figure = f"demo load, {args.invoices:,} invoices"
    options = DemoOptions(today=date.today(), customers=args.customers, invoices=args.invoices)
    lines = []
    seconds, rows = on_sqlite(options)
    record(figure, "SQLite", seconds, "s", target=("<", limit, "median"))
    lines.append(
        f"| SQLite {sqlite3.sqlite_version} | {args.invoices:,} | {rows:,} | {seconds:.1f} s |"
    )
    print(lines[-1])
    if not args.no_postgres:
        seconds, rows, version = on_postgres(options)
        record(figure, "PostgreSQL", seconds, "s", target=("<", limit, "median"))
        lines.append(f"| PostgreSQL {version} | {args.invoices:,} | {rows:,} | {seconds:.1f} s |")
        print(lines[-1])
    if args.no_write:
        return
    write_section(
        "Demo load",
        f"`python bench/demo_load.py --invoices {args.invoices} --customers {args.customers}` "
        f"({machine()}). Target: 1,000,000 invoices in under {TARGET_SECONDS} s.\n\n"
        "| database | invoices | main rows (invoices, actions, payments, contacts) | time |\n"
        "|---|---:|---:|---:|\n" + "\n".join(lines),
    )


if __name__ == "__main__":
    main()
