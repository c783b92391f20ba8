"""Running a face with one clear line for every error, never a traceback.

Typer-free, so the direct path to the screens (``launch``) can use it too.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from totalfact_tui.config import LANGUAGES, load_config, normalize_lang
from totalfact_tui.domain.errors import DatabaseUnavailable, LeaseBusy, TotalfactError
from totalfact_tui.i18n import error_message, set_language, t


def _early_language(args: Sequence[str]) -> str:
    """The interface language before the command line is parsed (help texts need it)."""
    given = None
    for index, arg in enumerate(args):
        if arg == "--lang" and index + 1 < len(args):
            given = args[index + 1]
        elif arg.startswith("--lang="):
            given = arg.split("=", 1)[1]
    if given is not None:
        return normalize_lang(given)
    try:
        return load_config().lang
    except TotalfactError:
        return LANGUAGES[0]


def _log_unexpected(exc: BaseException) -> Path:
    from platformdirs import user_log_path

    folder = user_log_path("totalfact")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "errors.log"
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(exc)) + "\n")
    except OSError:
        return Path(os.devnull)
    return path


def _database_error(exc: Exception) -> TotalfactError | None:
    """SQLAlchemy's connection errors, met mid-command, as a clear message."""
    if not type(exc).__module__.startswith("sqlalchemy"):
        return None
    from sqlalchemy.exc import DBAPIError, OperationalError

    if (
        isinstance(exc, OperationalError | DBAPIError) and exc.connection_invalidated
    ) or isinstance(exc, OperationalError):
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        return DatabaseUnavailable(url="", reason=reason[0] if reason else type(exc).__name__)
    return None


def _say(message: str) -> None:
    sys.stderr.write(message + "\n")


def guarded(args: Sequence[str], run: Callable[[], object]) -> None:
    """Set the language from ``args``/configuration and run; errors end the process
    with exit 1 (130 on Ctrl-C) and one line on stderr."""
    try:
        set_language(_early_language(args))
        run()
    except LeaseBusy as busy:
        # Another host runs this job right now: a scheduled run here has nothing to do.
        _say(error_message(busy))
        sys.exit(0)
    except TotalfactError as exc:
        _say(error_message(exc))
        sys.exit(1)
    except KeyboardInterrupt:
        _say(t("error.interrupted"))
        sys.exit(130)
    except Exception as exc:
        known = _database_error(exc)
        if known is not None:
            _say(error_message(known))
            sys.exit(1)
        log = _log_unexpected(exc)
        _say(t("error.unexpected", kind=type(exc).__name__, detail=str(exc)[:200], log=log))
        sys.exit(1)
