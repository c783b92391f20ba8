from __future__ import annotations

import re
import string

from totalfact_tui.domain.errors import InvalidRut
from totalfact_tui.i18n import en, error_message, es, set_language, t


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    assert set(es.MESSAGES) == set(en.MESSAGES)
    for key, spanish in es.MESSAGES.items():
        assert placeholders(spanish) == placeholders(en.MESSAGES[key]), key


def test_every_message_key_used_in_the_code_exists() -> None:
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "src" / "totalfact_tui"
    used: set[str] = set()
    pattern = re.compile(
        r"""["']((?:error|config|db|init|users|invoices|demo|help)\.[a-z_.]+)["']"""
    )
    for path in source.rglob("*.py"):
        if "i18n" in path.parts or "db" in path.parts:
            continue
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    missing = sorted(key for key in used - {"config.toml"} if key not in es.MESSAGES)
    assert not missing


def test_spanish_is_the_default_and_english_is_available() -> None:
    set_language("es")
    assert error_message(InvalidRut(value="1-1")).startswith("RUT inválido")
    set_language("en")
    try:
        assert error_message(InvalidRut(value="1-1")).startswith("Invalid RUT")
        assert t("state.vencida") == "overdue"
    finally:
        set_language("es")
    assert t("state.vencida") == "vencida"


def test_unknown_key_shows_itself() -> None:
    assert t("no.such.key") == "no.such.key"
