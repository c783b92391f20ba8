"""Benchmark: every report query (docs/kpis.md) at scale.

Usage: python bench/reports.py [--invoices N] [--customers N] [--actions N]
                               [--runs N] [--no-postgres] [--no-write]

Uses the cached demo databases of bench/agenda.py (N invoices on SQLite and on
PostgreSQL), tops their actions up to --actions (copies of the demo's calls moved one
or more years back, so that period figures read a realistic history), then times each
report query with a fixed "today": the median and the slowest of --runs runs after one
warm-up. Today's figures are read from the kept balances (covering index
ix_documents_report_open); a past as-of day recomputes balances from the facts and is
timed apart. Rewrites the "Reports" section of BENCHMARKS.md unless --no-write.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agenda import TODAY, postgres_database, sqlite_database  # noqa: E402
from report import machine, record, write_section  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from totalfact_tui.db import action_counts  # noqa: E402
from totalfact_tui.db.models import Action, User  # noqa: E402
from totalfact_tui.db.queries import reports as queries  # noqa: E402
from totalfact_tui.services import reports  # noqa: E402
from totalfact_tui.services.database import open_app_database  # noqa: E402

TARGET_MS = 150.0


def top_up_actions(url: str, wanted: int) -> int:
    """Copy the demo's actions, a year further back each round, until there are
    ``wanted`` of them. Returns the count."""
    database = open_app_database(url)
    sqlite = database.engine.dialect.name == "sqlite"
    with database.write() as session:
        count = session.scalar(select(func.count()).select_from(Action)) or 0
        original = count
        years = 1
        while count < wanted:
            shifted = (
                f"datetime(occurred_at, '-{years * 364} days')"
                if sqlite
                else f"occurred_at - interval '{years * 364} days'"
            )
            limit = min(original, wanted - count)
            session.execute(
                text(
                    "INSERT INTO actions (customer_id, user_id, occurred_at, channel, contact_id,"
                    " result_code, reason_code, next_action_date, duration_seconds, comment,"
                    " created_at) SELECT customer_id, user_id, "
                    f"{shifted}, channel, contact_id, result_code, reason_code, NULL,"
                    " duration_seconds, comment, created_at FROM actions"
                    f" WHERE id <= (SELECT min(id) FROM actions) + {limit - 1}"
                )
            )
            count = session.scalar(select(func.count()).select_from(Action)) or 0
            years += 1
        if count != original:
            action_counts.rebuild(session.connection())  # raw inserts: count them again
    # Statistics for the planner; on PostgreSQL also the visibility map, without which
    # an index-only scan still visits the table.
    with database.engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
        else:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE"
            )
    database.dispose()
    return count


def figures(session: Session) -> dict[str, Callable[[], object]]:
    """Each report query, as the services call them."""
    day = TODAY
    month = day.replace(day=1)
    window = day - timedelta(days=89)
    collector = session.scalar(select(User.id).where(User.username == "cperez"))
    # kpis() passes the open balance it already has; the count-back adds month sums.
    open_balance = queries.balances(session, day)["open_balance"]
    return {
        "balances and aging (today)": lambda: queries.balances(session, day),
        "balances and aging, one collector": lambda: queries.balances(session, day, collector),
        "credit sales, 90 days (DSO)": lambda: queries.credit_sales(session, window, day),
        "count-back DSO (months of sales)": lambda: reports._countback(session, day, open_balance),
        "payment timing, month": lambda: queries.payment_timing(session, month, day),
        "customers managed, month": lambda: queries.customers_managed(session, day, month, day),
        "promises and calls, month": lambda: queries.promises_and_calls(session, month, day),
        "agenda progress (today)": lambda: queries.agenda_progress(session, day),
        "top debtors": lambda: queries.debtors(session, day),
        "collector production, month": lambda: queries.collector_production(session, month, day),
        "contact hours, 90 days": lambda: queries.contact_hours(session, window, day),
        "drill-down: invoices 31-60 days": lambda: queries.open_invoices(
            session, day, bucket="31_60"
        ),
        "customer profile queries": lambda: _profile(session, day),
        "balances as of a past day (from the facts)": lambda: queries.balances(
            session, day - timedelta(days=40)
        ),
    }


def _profile(session: Session, day: object) -> None:
    from datetime import date

    assert isinstance(day, date)
    customer = session.scalar(text("SELECT customer_id FROM documents WHERE balance > 0 LIMIT 1"))
    queries.balances(session, day, customer_id=customer)
    queries.payment_delays(session, customer, day)
    queries.promise_statuses(session, customer, day)
    queries.dispute_counts(session, customer, day)
    queries.open_invoices(session, day, customer_id=customer)


def measure(url: str, runs: int) -> dict[str, tuple[float, float]]:
    database = open_app_database(url)
    results = {}
    with database.read() as session:
        for name, run in figures(session).items():
            run()  # warm-up
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                run()
                samples.append((time.perf_counter() - started) * 1000)
            results[name] = (statistics.median(samples), max(samples))
            print(f"{name}: {results[name][0]:.1f} ms (max {results[name][1]:.1f})", flush=True)
    database.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--actions", type=int, default=3_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    databases = [("SQLite", sqlite_database(args.invoices, args.customers))]
    if not args.no_postgres:
        databases.append(("PostgreSQL", postgres_database(args.invoices, args.customers)))
    measured: dict[str, dict[str, tuple[float, float]]] = {}
    actions = {}
    for label, url in databases:
        actions[label] = top_up_actions(url, args.actions)
        print(f"{label}: {actions[label]:,} actions", flush=True)
        measured[label] = measure(url, args.runs)
        for name, (median, slowest) in measured[label].items():
            past = name.startswith("balances as of a past day")
            target = None if past else ("<", TARGET_MS, "median")
            record(f"report: {name}", label, median, "ms", p95=slowest, target=target)
    if args.no_write:
        return
    labels = [label for label, _url in databases]
    header = "| query | " + " | ".join(f"{label} median (max)" for label in labels)
    lines = [header + " | target |", "|---|" + "---:|" * len(labels) + "---|"]
    for name in measured[labels[0]]:
        cells = []
        for label in labels:
            median, slowest = measured[label][name]
            cells.append(f"{median:.1f} ms ({slowest:.1f})")
        target = "" if name.startswith("balances as of a past day") else f"< {TARGET_MS:.0f} ms"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {target} |")
    counts = ", ".join(f"{label}: {count:,} actions" for label, count in actions.items())
    write_section(
        "Reports",
        f"`python bench/reports.py --invoices {args.invoices} --actions {args.actions}` "
        f"({machine()}); demo database with a fixed today ({TODAY}); {counts}; median and "
        f"slowest of {args.runs} runs after a warm-up.\n\n" + "\n".join(lines),
    )


if __name__ == "__main__":
    main()
