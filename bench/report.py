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
