"""The benchmark suite: every script in bench/, end to end, on SQLite and PostgreSQL.

Usage: python bench/suite.py [--quick] [--no-postgres]

- full (``make bench``): 1,000,000 invoices, 5,000 customers (20,000 contacts),
  3,000,000 actions; each script also rewrites its own section of BENCHMARKS.md;
- quick (``make bench-quick``): 100,000 invoices, 500 customers, 300,000 actions, fewer
  runs, in under 3 minutes once the cached databases exist (about 1 minute more to
  build them the first time); only the "Suite (quick)" section is written.

The databases are generated once with bulk inserts by the demo generator and cached
(bench/.cache/ for SQLite, totalfact_bench_N on PostgreSQL). Each figure is a median
of several runs; the suite writes one table with every figure, its target and whether
it was met, and the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PG_URL = os.environ.get(
    "TOTALFACT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
sys.path.insert(0, str(BENCH))

from report import RESULTS_ENV, write_section  # noqa: E402


@dataclass(frozen=True)
class Scale:
    name: str
    invoices: int
    customers: int
    actions: int
    report_runs: int
    ingest_files: int
    watch_runs: int
    startup_runs: int
    team_seconds: int


FULL = Scale("full", 1_000_000, 5_000, 3_000_000, 5, 5_000, 3, 7, 60)
QUICK = Scale("quick", 100_000, 500, 300_000, 3, 1_000, 1, 3, 10)


def steps(scale: Scale, postgres: bool) -> list[list[str]]:
    """The scripts and their arguments, cheapest database set-up first."""
    size = ["--invoices", str(scale.invoices), "--customers", str(scale.customers)]
    no_pg = [] if postgres else ["--no-postgres"]
    no_write = ["--no-write"] if scale is QUICK else []
    sqlite_url = f"sqlite:///{BENCH / '.cache' / f'demo-{scale.invoices}.db'}"
    planned = [
        ["agenda.py", *size, *no_pg, *no_write],
        ["reports.py", *size, "--actions", str(scale.actions), "--runs", str(scale.report_runs),
         *no_pg, *no_write],
        ["startup.py", sqlite_url, "--runs", str(scale.startup_runs), *no_write],
        ["ingest.py", "--files", str(scale.ingest_files), "--envelope", "500", *no_pg, *no_write],
        ["watch.py", "--messages", "1000", "--runs", str(scale.watch_runs), *no_pg, *no_write],
    ]  # fmt: skip
    if scale is FULL:
        planned.insert(0, ["demo_load.py", *size, *no_pg])
    if postgres:
        planned.append(
            ["team_load.py", "--collectors", "20", "--seconds", str(scale.team_seconds),
             "--pause", "1", *no_write]
        )  # fmt: skip
    return planned


def machine_line(postgres: bool) -> str:
    memory = "?"
    try:
        with open("/proc/meminfo") as handle:
            kilobytes = int(handle.readline().split()[1])
        memory = f"{kilobytes / 1_048_576:.0f} GiB"
    except OSError:
        pass
    parts = [
        f"{os.cpu_count()} cores",
        f"{memory} memory",
        platform.machine(),
        f"Python {platform.python_version()}",
        f"SQLite {sqlite3.sqlite_version}",
    ]
    if postgres:
        parts.append(f"PostgreSQL {_postgres_version()}")
    parts.append(f"measured {time.strftime('%Y-%m-%d')}")
    return ", ".join(parts)


def _postgres_version() -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar()).split()[0]
    finally:
        engine.dispose()


def settle(postgres: bool) -> None:
    """Before each script: write out what the previous one left dirty (a database load
    leaves gigabytes for PostgreSQL's checkpointer to write in the background), so that
    no figure pays for an earlier script's work."""
    if postgres:
        from sqlalchemy import create_engine

        engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("CHECKPOINT")
        finally:
            engine.dispose()
    os.sync()


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit in ("ms", "x") or abs(value) < 10:
        return f"{value:,.2f}".rstrip("0").rstrip(".") + (f" {unit}" if unit else "")
    return f"{value:,.0f}" + (f" {unit}" if unit else "")


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| figure | database | median | p95 / max | target | met |",
        "|---|---|---:|---:|---|---|",
    ]
    for row in rows:
        unit = str(row["unit"])
        met = {True: "yes", False: "**no**", None: ""}[row["met"]]  # type: ignore[index]
        lines.append(
            f"| {row['figure']} | {row['database']} | {_number(row['median'], unit)} "  # type: ignore[arg-type]
            f"| {_number(row['p95'], unit)} | {row['target']} | {met} |"  # type: ignore[arg-type]
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    scale = QUICK if args.quick else FULL
    postgres = not args.no_postgres
    results = Path(tempfile.mkstemp(prefix="bench-results-", suffix=".jsonl")[1])
    environment = {**os.environ, RESULTS_ENV: str(results)}
    started = time.monotonic()
    failed = []
    for step in steps(scale, postgres):
        settle(postgres)
        print(f"\n== {' '.join(step)}", flush=True)
        begun = time.monotonic()
        done = subprocess.run([sys.executable, str(BENCH / step[0]), *step[1:]], env=environment)
        print(f"== {step[0]}: {time.monotonic() - begun:.0f} s", flush=True)
        if done.returncode != 0:
            failed.append(step[0])
    elapsed = time.monotonic() - started
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    results.unlink()
    missed = [row for row in rows if row["met"] is False]
    command = "make bench-quick" if args.quick else "make bench"
    body = (
        f"`{command}` (`python bench/suite.py{' --quick' if args.quick else ''}`), "
        f"{machine_line(postgres)}; {scale.invoices:,} invoices, {scale.customers:,} "
        f"customers, {scale.actions:,} actions; the whole suite took {elapsed / 60:.1f} "
        f"minutes. Medians of several runs (each script says how many); p95 where the "
        f"target is a p95, else the slowest run.\n\n{table(rows)}\n\n"
        f"{len(rows)} figures; {sum(row['met'] is True for row in rows)} targets met, "
        f"{len(missed)} missed"
        + (f" ({', '.join(str(row['figure']) for row in missed)})" if missed else "")
        + "."
        + (f" Scripts that failed: {', '.join(failed)}." if failed else "")
    )
    write_section(f"Suite ({scale.name})", body)
    print(f"\n{table(rows)}\n\nwritten to BENCHMARKS.md, section Suite ({scale.name})")
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
