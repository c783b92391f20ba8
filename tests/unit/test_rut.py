from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from totalfact_tui.domain import rut
from totalfact_tui.domain.errors import InvalidRut

bodies = st.integers(min_value=1, max_value=99_999_999)


@pytest.mark.parametrize(
    ("value", "normal"),
    [
        ("76.086.428-5", "76086428-5"),
        ("76086428-5", "76086428-5"),
        ("760864285", "76086428-5"),
        (" 76.354.771-k ", "76354771-K"),
        ("60803000-K", "60803000-K"),
        ("096670340-7", "96670340-7"),
        ("55555555-5", "55555555-5"),
        ("11111111-1", "11111111-1"),
    ],
)
def test_normalize_accepts_common_spellings(value: str, normal: str) -> None:
    assert rut.normalize(value) == normal


@pytest.mark.parametrize(
    "value", ["", "76086428-4", "76.086.428-K", "abc", "0-0", "1234567890-1", "7608-64285", "--"]
)
def test_normalize_rejects_bad_ruts(value: str) -> None:
    with pytest.raises(InvalidRut) as info:
        rut.normalize(value)
    assert info.value.params["value"] == value


def test_format_adds_dots() -> None:
    assert rut.format_rut("76086428-5") == "76.086.428-5"
    assert rut.format_rut("1-9") == "1-9"
    assert rut.format_rut("60803000k") == "60.803.000-K"


def test_check_digit_known_values() -> None:
    assert rut.check_digit(76086428) == "5"
    assert rut.check_digit(76354771) == "K"
    assert rut.check_digit(96670340) == "7"
    assert rut.check_digit(60910000) == "1"


@given(bodies)
def test_generated_ruts_round_trip(body: int) -> None:
    normal = rut.make(body)
    assert rut.normalize(normal) == normal
    assert rut.normalize(rut.format_rut(normal)) == normal
    assert rut.normalize(normal.replace("-", "").lower()) == normal


@given(bodies, st.data())
def test_every_single_digit_change_is_rejected(body: int, data: st.DataObject) -> None:
    normal = rut.make(body)
    text = normal.replace("-", "")
    position = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    alphabet = "0123456789K" if position == len(text) - 1 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != text[position]]))
    changed = text[:position] + replacement + text[position + 1 :]
    if position == 0 and replacement == "0":
        # A leading zero is not a digit change of the number: it is the same RUT body
        # with a different number of digits; the check digit decides.
        return
    with pytest.raises(InvalidRut):
        rut.normalize(changed)


def test_foreign_placeholder() -> None:
    assert rut.is_foreign_placeholder("55.555.555-5")
    assert not rut.is_foreign_placeholder("76086428-5")
