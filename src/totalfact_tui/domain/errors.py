"""Errors that users can cause and that every face reports as one clear line.

An error carries a message *key* and its parameters, never text: the faces translate
it with the message catalog (``totalfact_tui.i18n``), so the same error reads in
Spanish or English and no user-facing string lives in code.
"""

from __future__ import annotations

from typing import Any


class TotalfactError(Exception):
    """Base for every error a user can cause (bad input, missing record, refused action)."""

    key = "error.generic"

    def __init__(self, key: str | None = None, /, **params: Any) -> None:
        self.key = key or type(self).key
        self.params: dict[str, Any] = params
        super().__init__(f"{self.key} {params}")


class InvalidRut(TotalfactError):
    key = "error.invalid_rut"


class IllegalTransition(TotalfactError):
    key = "error.illegal_transition"


class InvalidValue(TotalfactError):
    key = "error.invalid_value"


class NotFound(TotalfactError):
    key = "error.not_found"


class Conflict(TotalfactError):
    key = "error.conflict"


class DatabaseUnavailable(TotalfactError):
    key = "error.database_unavailable"


class Forbidden(TotalfactError):
    """The acting user's role does not allow this. ``record`` holds the audit entry of
    the refusal: the database writes it after rolling the refused work back."""

    key = "error.forbidden"

    def __init__(
        self, key: str | None = None, /, *, record: dict[str, Any] | None = None, **params: Any
    ) -> None:
        super().__init__(key, **params)
        self.record = record


class SignInFailed(TotalfactError):
    key = "auth.failed"


class LeaseBusy(TotalfactError):
    """A job that runs once at a time (the watcher of a mailbox, sending mail, the daily
    jobs) is running elsewhere: says who holds it and until when. Not a failure: a
    scheduled run on a second host skips with this message (exit code 0)."""

    key = "lease.busy"
