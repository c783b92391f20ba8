"""Secrets read from a command's output (``pass show mail/dte``), as mail tools do:
nothing secret has to sit in the configuration file."""

from __future__ import annotations

import shlex
import subprocess

from totalfact_tui.domain.errors import TotalfactError


def secret_from(command: str, what: str) -> str:
    """The output of a command (``pass show mail``), as mail tools read passwords."""
    try:
        done = subprocess.run(
            shlex.split(command), capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise TotalfactError("watch.secret_command", what=what, reason=str(exc)) from exc
    if done.returncode != 0 or not done.stdout.strip():
        reason = (done.stderr or "").strip().splitlines()[:1] or [f"exit {done.returncode}"]
        raise TotalfactError("watch.secret_command", what=what, reason=reason[0])
    return done.stdout.strip().splitlines()[0]
