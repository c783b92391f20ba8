"""Message catalogs: Spanish (Chile) by default, English available.

Every user-facing string of the faces comes from here through :func:`t`. A missing
English message falls back to Spanish; a missing key shows the key itself so that it
is noticed (a test keeps the catalogs in step).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from totalfact_tui.domain.errors import TotalfactError
from totalfact_tui.i18n import en, es

CATALOGS: dict[str, dict[str, str]] = {"es": es.MESSAGES, "en": en.MESSAGES}
DEFAULT_LANG = "es"
_state = {"lang": DEFAULT_LANG}


def set_language(lang: str) -> None:
    _state["lang"] = lang if lang in CATALOGS else DEFAULT_LANG


def language() -> str:
    return _state["lang"]


def t(key: str, /, **params: Any) -> str:
    """The message ``key`` in the current language, formatted with ``params``."""
    template = CATALOGS[_state["lang"]].get(key) or CATALOGS[DEFAULT_LANG].get(key) or key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def error_message(error: TotalfactError) -> str:
    return t(error.key, **error.params)


def format_date(value: date | None) -> str:
    """Dates as Chilean users read them: dd-mm-yyyy (both languages)."""
    return value.strftime("%d-%m-%Y") if value else ""
