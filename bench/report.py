"""Writing one section of BENCHMARKS.md (shared by the benchmark scripts)."""

from __future__ import annotations

import re
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"


def write_section(title: str, body: str) -> None:
    """Replace the ``## title`` section of BENCHMARKS.md (or append it)."""
    section = f"## {title}\n\n{body.rstrip()}\n"
    current = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"## {re.escape(title)}\n.*?(?=\n## |\Z)", flags=re.S)
    if pattern.search(current):
        current = pattern.sub(lambda _match: section, current)
    else:
        current = current.rstrip("\n") + "\n\n" + section
    BENCHMARKS.write_text(current, encoding="utf-8")


def machine(extra: str = "") -> str:
    """One line naming the machine and versions, for a section's header."""
    import os
    import platform
    import sqlite3
    from datetime import date

    parts = [
        f"{os.cpu_count()} cores",
        platform.machine(),
        f"Python {platform.python_version()}",
        f"SQLite {sqlite3.sqlite_version}",
    ]
    if extra:
        parts.append(extra)
    parts.append(f"measured {date.today().isoformat()}")
    return ", ".join(parts)


RESULTS_ENV = "TOTALFACT_BENCH_RESULTS"


def record(
    figure: str,
    database: str,
    median: float,
    unit: str,
    *,
    p95: float | None = None,
    target: tuple[str, float, str] | None = None,
) -> None:
    """Add one figure to the suite's results (``bench/suite.py`` sets the file). The
    target ``("<", 5.0, "p95")`` compares the p95 (or ``"median"``) with the limit."""
    import json
    import os

    path = os.environ.get(RESULTS_ENV)
    if not path:
        return
    met = None
    text = ""
    if target is not None:
        operator, limit, stat = target
        value = p95 if stat == "p95" and p95 is not None else median
        met = value < limit if operator == "<" else value >= limit
        text = f"{operator} {limit:g} {unit}" + (" p95" if stat == "p95" else "")
    row = {"figure": figure, "database": database, "median": median, "p95": p95,
           "unit": unit, "target": text, "met": met}  # fmt: skip
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
