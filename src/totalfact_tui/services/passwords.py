"""Password hashes: scrypt (standard library), salted, with the cost stored beside the
hash so that it can be raised later without breaking stored passwords."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from totalfact_tui.domain.errors import InvalidValue

SCHEME = "scrypt"
COST = 2**14  # n
BLOCK = 8  # r
PARALLEL = 1  # p
LENGTH = 32
MIN_LENGTH = 8


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidValue("auth.too_short", minimum=MIN_LENGTH)


def hash_password(password: str) -> str:
    """``scrypt$n=16384,r=8,p=1$<salt>$<hash>`` (salt and hash in base64)."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, COST, BLOCK, PARALLEL)
    return "$".join((SCHEME, f"n={COST},r={BLOCK},p={PARALLEL}", _b64(salt), _b64(digest)))


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; False for any other stored form."""
    try:
        scheme, params, salt, digest = stored.split("$")
        if scheme != SCHEME:
            return False
        cost = dict(part.split("=") for part in params.split(","))
        expected = base64.b64decode(digest)
        actual = _scrypt(
            password, base64.b64decode(salt), int(cost["n"]), int(cost["r"]), int(cost["p"])
        )
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=LENGTH
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
