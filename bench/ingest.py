"""Benchmark: DTE ingestion throughput.

Usage: python bench/ingest.py [--files N] [--envelope N] [--no-postgres] [--no-write]

Generates N realistic single-DTE files and one envelope of 500 DTEs, then reports
documents per second for parse-only (ours, and cl-sii's ``parse_dte_xml`` on the same
files as the reference a Python user would otherwise pick) and for parse+load into a
fresh SQLite file and a fresh PostgreSQL database. Each figure is the median of three
runs. Rewrites the "Ingest" section of BENCHMARKS.md unless --no-write.
Targets (one core): parse-only >= 5x cl-sii; parse+load >= 2,000 documents/s on SQLite.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from report import machine, record, write_section  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from tests.dte_factory import OWN_RUT, Doc, envelope, single  # noqa: E402

from totalfact_tui.domain import rut  # noqa: E402
from totalfact_tui.domain.dte.parse import parse_file  # noqa: E402
from totalfact_tui.services.companies import register_own_company  # noqa: E402
from totalfact_tui.services.database import open_app_database  # noqa: E402
from totalfact_tui.services.ingest import IngestSettings, ingest_paths  # noqa: E402

PG_URL = os.environ.get(
    "TOTALFACT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
RUNS = 3


def corpus(folder: Path, files: int, in_envelope: int) -> int:
    rng = random.Random(7)
    customers = [
        (rut.make(rng.randint(60_000_000, 99_999_999)), f"Cliente {i} Ltda.") for i in range(500)
    ]
    start = date(2026, 1, 1)

    def doc(folio: int) -> Doc:
        customer_rut, name = rng.choice(customers)
        issued = start + timedelta(days=rng.randint(0, 300))
        return Doc(
            folio=folio,
            issue_date=issued,
            due_date=issued + timedelta(days=30),
            receiver_rut=customer_rut,
            receiver_name=name,
            net=rng.randint(10_000, 50_000_000),
            contact=rng.choice(["María Pérez", "Tesorería", None]),
            item=rng.choice(["Servicio de mantención", "Repuestos", "Arriendo de equipos"]),
        )

    for folio in range(1, files + 1):
        (folder / f"F{folio}T33.xml").write_bytes(single(doc(folio)))
    docs = [doc(files + i) for i in range(1, in_envelope + 1)]
    (folder / "envelope.xml").write_bytes(envelope(*docs))
    return files + in_envelope


def median_rate(documents: int, run: Callable[[], float | None]) -> float:
    """Documents per second over ``RUNS`` runs; a run may return the seconds of its
    timed part (the ingest itself, not creating the database beforehand)."""
    rates = []
    for _ in range(RUNS):
        started = time.perf_counter()
        timed = run()
        elapsed = timed if timed is not None else time.perf_counter() - started
        rates.append(documents / elapsed)
    return statistics.median(rates)


def parse_ours(paths: list[Path]) -> None:
    for path in paths:
        parse_file(path.read_bytes())


def parse_cl_sii(paths: list[Path]) -> None:
    from cl_sii.dte.parse import parse_dte_xml
    from cl_sii.libs.xml_utils import parse_untrusted_xml

    for path in paths:
        parse_dte_xml(parse_untrusted_xml(path.read_bytes()))


def load(url: str, folder: Path) -> float:
    """Ingest the folder into a new database; the seconds the ingest took (the schema is
    created first, untimed: it is the same eleven migrations whatever is loaded)."""
    database = open_app_database(url)
    register_own_company(database, OWN_RUT, "Bench")
    started = time.perf_counter()
    summary = ingest_paths(database, [folder], IngestSettings(today=date(2026, 11, 26)))
    elapsed = time.perf_counter() - started
    assert summary.rejected == 0, summary.errors[:3]
    database.dispose()
    return elapsed


def load_sqlite(folder: Path) -> Callable[[], float]:
    def run() -> float:
        with tempfile.TemporaryDirectory() as scratch:
            return load(f"sqlite:///{scratch}/bench.db", folder)

    return run


def load_postgres(folder: Path) -> Callable[[], float]:
    def run() -> float:
        admin_url = make_url(PG_URL)
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        name = f"totalfact_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            return load(admin_url.set(database=name).render_as_string(hide_password=False), folder)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--envelope", type=int, default=500)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        total = corpus(folder, args.files, args.envelope)
        singles = sorted(folder.glob("F*.xml"))
        ours = median_rate(len(singles), lambda: parse_ours(singles))
        rows.append(("parse only, ours (single-DTE files)", ours, ""))
        try:
            theirs = median_rate(len(singles), lambda: parse_cl_sii(singles))
            rows.append(("parse only, cl-sii `parse_dte_xml` (same files)", theirs, ""))
            rows.append(("ratio ours / cl-sii", ours / theirs, ">= 5"))
            record("ingest parse only, ours / cl-sii", "-", ours / theirs, "x",
                   target=(">=", 5, "median"))  # fmt: skip
        except ImportError:
            print("cl-sii is not installed (pip install -e '.[bench]'); skipping its figure")
        rows.append(("parse+load, SQLite", median_rate(total, load_sqlite(folder)), ">= 2,000"))
        record("ingest parse+load", "SQLite", rows[-1][1], "docs/s", target=(">=", 2000, "median"))
        if not args.no_postgres:
            rows.append(("parse+load, PostgreSQL", median_rate(total, load_postgres(folder)), ""))
            record("ingest parse+load", "PostgreSQL", rows[-1][1], "docs/s")
    for label, value, note in rows:
        print(f"{label:55s} {value:12,.1f}   target {note or '-'}")
    if args.no_write:
        return
    table = "\n".join(f"| {label} | {value:,.1f} | {note} |" for label, value, note in rows)
    write_section(
        "Ingest",
        f"`python bench/ingest.py --files {args.files} --envelope {args.envelope}` "
        f"({machine()}); {args.files:,} single-DTE files plus one envelope of "
        f"{args.envelope} DTEs, median of {RUNS} runs, one process. Rates in documents per "
        f"second.\n\n| figure | result | target |\n|---|---:|---|\n{table}",
    )


if __name__ == "__main__":
    main()
