"""Other programs the screens start: the softphone's dial command, the opener of links
(wa.me, tel:) and the system clipboard. Each call returns quickly; run them in a
worker all the same (starting a process can stall on a busy machine)."""

from __future__ import annotations

import shlex
import subprocess
import webbrowser

from totalfact_tui.domain.errors import TotalfactError


def _start(command: list[str]) -> None:
    try:
        subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise TotalfactError("external.failed", command=command[0], reason=exc.strerror) from exc


def command_line(template: str, **values: str) -> list[str]:
    """Split the configured command and fill its placeholders word by word (a value
    never becomes two arguments, whatever it holds)."""
    try:
        words = shlex.split(template)
    except ValueError as exc:
        raise TotalfactError("external.bad_command", command=template, reason=str(exc)) from exc
    if not words:
        raise TotalfactError("external.bad_command", command=template, reason="-")
    try:
        return [word.format(**values) for word in words]
    except (KeyError, IndexError, ValueError) as exc:
        raise TotalfactError("external.bad_command", command=template, reason=str(exc)) from exc


def dial(template: str, phone: str) -> None:
    """Start the softphone: ``dial_command`` with ``{phone}`` (digits and +)."""
    clean = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    _start(command_line(template, phone=clean, url=f"tel:{clean}"))


def open_url(url: str, opener: str | None) -> None:
    """Open a link with the configured opener (``{url}``), else the system browser."""
    if opener:
        _start(command_line(opener, url=url))
        return
    if not webbrowser.open(url):
        raise TotalfactError("external.no_browser", url=url)


def copy_to_system_clipboard(text: str) -> bool:
    """The fallback when the terminal lacks OSC 52: the system clipboard through
    pyperclip (xclip, wl-copy, pbcopy...). False when none is available."""
    try:
        import pyperclip  # type: ignore[import-untyped]
    except ImportError:
        return False
    try:
        pyperclip.copy(text)
    except Exception:  # pyperclip raises its own error when no clipboard tool exists
        return False
    return True
