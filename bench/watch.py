"""Benchmark: the mail watcher over 1,000 messages on a local Dovecot.

Usage: python bench/watch.py [--messages N] [--runs N] [--no-postgres] [--no-write]

Starts a throw-away Dovecot (as the tests do), delivers N messages each carrying one
DTE envelope (a few KB, base64 like real mail), and times ``totalfact watch --once``'s
service call: connect, read the structures, download the XML parts, ingest the messages
with their records (a transaction per batch of 50), move them. A fresh mailbox and a fresh
database for every run; the median of the runs is reported. Target: >= 100 messages/s.
Rewrites the "Mail watcher" section of BENCHMARKS.md unless --no-write.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from report import machine, record, write_section  # noqa: E402
from tests.dovecot import Dovecot, find_dovecot  # noqa: E402
from tests.dte_factory import OWN_RUT, Doc, envelope  # noqa: E402
from tests.mail.conftest import MailHelper, message  # noqa: E402

from totalfact_tui.services.companies import register_own_company  # noqa: E402
from totalfact_tui.services.database import open_app_database  # noqa: E402
from totalfact_tui.services.ingest import IngestSettings  # noqa: E402
from totalfact_tui.services.watch import WatchSettings, run_once  # noqa: E402

PG_URL = os.environ.get(
    "TOTALFACT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
INGEST = IngestSettings(today=date(2026, 11, 26))


def _fresh_pg() -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS totalfact_bench_watch"))
        connection.execute(text("CREATE DATABASE totalfact_bench_watch"))
    admin.dispose()
    return (
        make_url(PG_URL).set(database="totalfact_bench_watch").render_as_string(hide_password=False)
    )


def one_run(server: Dovecot, url: str, count: int) -> tuple[float, int]:
    helper = MailHelper(server)
    helper.reset()
    mails = [
        message((f"F{n}T33.xml", envelope(Doc(10_000 + n, net=50_000 + n)))) for n in range(count)
    ]
    helper.deliver(*mails)
    database = open_app_database(url)
    register_own_company(database, OWN_RUT, "Distribuidora Los Andes SpA")
    settings = WatchSettings(
        host="127.0.0.1",
        port=server.port,
        security="plain",
        username=server.user,
        password=server.password,
    )
    started = time.perf_counter()
    summary = run_once(database, settings, INGEST)
    elapsed = time.perf_counter() - started
    database.dispose()
    assert summary.messages == count and summary.new == count, summary
    assert helper.count("TotalFact/Procesados") == count
    return elapsed, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    binary = find_dovecot()
    if binary is None:
        raise SystemExit("dovecot is not installed (apt-get install dovecot-imapd)")
    folder = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    server = Dovecot(binary, folder / "dovecot")
    server.prepare()
    server.start()
    rows = []
    try:
        engines = [("SQLite", None)] + ([] if args.no_postgres else [("PostgreSQL", "pg")])
        for label, kind in engines:
            rates = []
            for run in range(args.runs):
                url = _fresh_pg() if kind else f"sqlite:///{folder / f'watch-{run}.db'}"
                elapsed, count = one_run(server, url, args.messages)
                rates.append(count / elapsed)
                rate = count / elapsed
                print(f"{label} run {run + 1}: {count} messages in {elapsed:.2f} s = {rate:.0f}/s")
            median = statistics.median(rates)
            record(f"watcher, {args.messages} messages on local Dovecot", label, median,
                   "messages/s", target=(">=", 100, "median"))  # fmt: skip
            rows.append(
                f"| watcher --once, {args.messages} messages | {label} "
                f"| {median:.0f} messages/s | >= 100 messages/s |"
            )
    finally:
        server.stop()
    table = "\n".join(
        [
            "| figure | database | median | target |",
            "|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    if not args.no_write:
        write_section(
            "Mail watcher",
            f"`python bench/watch.py` ({machine('Dovecot ' + _dovecot_version(binary))}): "
            f"{args.messages} messages of one DTE each on a local Dovecot (plain IMAP on "
            f"loopback); a batch of 50 messages is downloaded, ingested and recorded in "
            f"one transaction, then moved to the processed folder; median of {args.runs} "
            f"runs, each on a fresh mailbox and database.\n\n{table}\n",
        )


def _dovecot_version(binary: str) -> str:
    import subprocess

    done = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.split()[0] if done.stdout else "?"


if __name__ == "__main__":
    main()
