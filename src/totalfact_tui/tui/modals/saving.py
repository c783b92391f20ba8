"""The one way a form modal saves: run the service in the worker, close on success,
stay open with a clear notice on failure (nothing typed is lost)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import ModalScreen

from totalfact_tui.domain.errors import TotalfactError
from totalfact_tui.i18n import error_message, t


def run_saving(modal: ModalScreen[Any], call: Callable[[], object]) -> None:
    """Call from a worker thread."""
    try:
        call()
    except TotalfactError as exc:
        modal.app.call_from_thread(_failed, modal, error_message(exc))
        return
    except Exception as exc:
        message = t("error.unexpected", kind=type(exc).__name__, detail=str(exc)[:200], log="-")
        modal.app.call_from_thread(_failed, modal, message)
        return
    modal.app.call_from_thread(modal.dismiss, True)


def _failed(modal: ModalScreen[Any], message: str) -> None:
    modal.saving = False  # type: ignore[attr-defined]
    modal.notify(message, severity="error", timeout=8)
