"""Chilean RUT: validation (modulo 11), normalisation and display.

Normal form is digits, a hyphen and the upper-case check digit, without dots or
leading zeros: ``76086428-5``. Display form adds thousands dots: ``76.086.428-5``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from totalfact_tui.domain.errors import InvalidRut

_CLEAN = re.compile(r"^0*(\d{1,9})-?([\dK])$")
_FOREIGN_RUT = "55555555-5"


def check_digit(body: int) -> str:
    """The modulo-11 check digit of a RUT body: ``0``-``9`` or ``K``."""
    if body < 0:
        raise InvalidRut(value=str(body))
    total = 0
    factor = 2
    while body:
        total += (body % 10) * factor
        body //= 10
        factor = 2 if factor == 7 else factor + 1
    digit = 11 - total % 11
    if digit == 11:
        return "0"
    if digit == 10:
        return "K"
    return str(digit)


@lru_cache(maxsize=8192)
def normalize(value: str) -> str:
    """Return the normal form of ``value`` or raise :class:`InvalidRut`.

    Accepts dots, spaces, a lower-case ``k`` and a missing hyphen. Cached: the same
    RUTs come back on every document of a customer.
    """
    text = value.strip().replace(".", "").replace(" ", "").upper()
    match = _CLEAN.match(text)
    if not match:
        raise InvalidRut(value=value)
    body, digit = int(match.group(1)), match.group(2)
    if body == 0 or check_digit(body) != digit:
        raise InvalidRut(value=value)
    return f"{body}-{digit}"


def is_valid(value: str) -> bool:
    try:
        normalize(value)
    except InvalidRut:
        return False
    return True


def make(body: int) -> str:
    """The normal-form RUT for ``body`` with its computed check digit."""
    return f"{body}-{check_digit(body)}"


def format_rut(value: str) -> str:
    """Display form with thousands dots: ``76.086.428-5``."""
    normal = normalize(value)
    body, digit = normal.split("-")
    return f"{int(body):,}".replace(",", ".") + f"-{digit}"


def is_foreign_placeholder(value: str) -> bool:
    """``55555555-5`` stands for a foreign receiver in SII documents."""
    return normalize(value) == _FOREIGN_RUT
