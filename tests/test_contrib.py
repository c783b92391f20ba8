"""The systemd units in contrib/ are valid (systemd-analyze verify, with the real
``totalfact`` in place of the installed path) and every command they run exists."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import unavailable

UNITS = Path(__file__).resolve().parents[1] / "contrib" / "systemd"
INSTALLED = "/opt/totalfact/.venv/bin/totalfact"


def commands() -> list[list[str]]:
    found = []
    for unit in sorted(UNITS.glob("*.service")):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                words = line.removeprefix("ExecStart=").lstrip("-").split()
                assert words[0] == INSTALLED, line
                found.append(words[1:])
    return found


def test_the_units_run_commands_that_exist(cli: object) -> None:
    runs = commands()
    assert ["watch"] in runs and ["outbox", "send"] in runs and ["dunning", "run"] in runs
    for args in runs:
        result = cli(*args, "--help")  # type: ignore[operator]
        assert result.code == 0, (args, result.err)


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        unavailable("systemd-analyze is not installed (apt-get install systemd)")
    program = Path(sys.executable).with_name("totalfact")
    assert program.exists()
    for unit in UNITS.glob("totalfact-*"):
        text = unit.read_text().replace(INSTALLED, str(program))
        (tmp_path / unit.name).write_text(text)
    names = sorted(str(path) for path in tmp_path.glob("totalfact-*"))
    checked = subprocess.run(
        [str(analyze), "verify", "--man=no", *names], capture_output=True, text=True, timeout=60
    )
    # User=totalfact may not exist on this machine: that is the one thing allowed.
    problems = [
        line
        for line in (checked.stdout + checked.stderr).splitlines()
        if line.strip() and "totalfact" in line and "user" not in line.lower()
    ]
    assert not problems, problems
    calendar = subprocess.run(
        [str(analyze), "calendar", "Mon..Sat *-*-* 07..21:00/10:00"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert calendar.returncode == 0, calendar.stderr
    timer = (UNITS / "totalfact-jobs.timer").read_text()
    assert "OnCalendar=Mon..Sat *-*-* 07..21:00/10:00" in timer


@pytest.mark.parametrize("name", ["totalfact-watch.service", "totalfact-jobs.service"])
def test_the_units_keep_their_files_private(name: str) -> None:
    text = (UNITS / name).read_text()
    assert "UMask=0077" in text and "EnvironmentFile=/etc/totalfact/totalfact.env" in text
