"""Benchmark: TUI cold start, from process start to first paint and to agenda filled,
and the TUI's peak memory.

Usage: python bench/startup.py DATABASE_URL [--runs N] [--no-write]

Runs the real `totalfact` entry point (headless) N times in fresh processes and
writes the medians to the "Cold start" section of BENCHMARKS.md.
Targets: first paint < 0.5 s, agenda filled < 1 s, peak memory < 250 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from report import machine, record, write_section

PROBE = Path(__file__).resolve().parent / "startup_probe.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    paints, filled, peaks = [], [], []
    # As installed: Python's compiled modules are kept (pip compiles them on install;
    # this machine's PYTHONDONTWRITEBYTECODE would recompile every module on every start),
    # and one untimed start writes them for the project's own (editable) sources.
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    command = [sys.executable, str(PROBE), "--db", args.url, "--user", "cperez"]
    subprocess.run(command, capture_output=True, env=environment, check=True)
    for _ in range(args.runs):
        out = subprocess.run(
            command, capture_output=True, text=True, check=True, env=environment
        ).stdout.split()
        paints.append(float(out[0]))
        filled.append(float(out[1]))
        peaks.append(float(out[2]))
    first, full = statistics.median(paints), statistics.median(filled)
    peak = max(peaks)
    print(f"first paint {first:.3f} s, agenda filled {full:.3f} s, peak memory {peak:.0f} MB")
    record("TUI cold start: first paint", "SQLite", first, "s", target=("<", 0.5, "median"))
    record("TUI cold start: agenda filled", "SQLite", full, "s", target=("<", 1.0, "median"))
    record("TUI peak memory (start, detail, page down)", "SQLite", peak, "MB",
           target=("<", 250, "median"))  # fmt: skip
    if args.no_write:
        return
    write_section(
        "Cold start",
        f"`python bench/startup.py URL --runs {args.runs}` ({machine()}): the real `totalfact` "
        "entry point, headless, fresh process each run; seconds from process start (read "
        "from /proc, 10 ms resolution).\n\n| figure | median | target |\n|---|---:|---|\n"
        f"| first paint | {first:.2f} s | < 0.5 s |\n| agenda filled | {full:.2f} s | < 1 s |\n"
        f"| peak memory (start, open a detail, page down; largest of the runs) | {peak:.0f} MB "
        "| < 250 MB |",
    )


if __name__ == "__main__":
    main()
