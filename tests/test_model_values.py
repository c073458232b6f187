"""Prices and client-facing texts (SPEC §2): one written form each, and a positioned error for any
other, never a value the store would read differently."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from sessconf.limits import MAX_PRICE, text_problem
from sessconf.model import check_text, to_price


@pytest.mark.parametrize(
    ("value", "price"),
    [
        ("95.00", "95.00"),
        (" 95.00 ", "95.00"),
        ("95", "95.00"),
        ("95.5", "95.50"),
        ("0", "0.00"),
        (Decimal("95.0"), "95.00"),
        (95, "95.00"),
        ("99999999.99", "99999999.99"),
    ],
)
def test_prices_that_pass(value: object, price: str) -> None:
    assert str(to_price(value)) == price


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("-5.00", "negative"),
        ("-0", "negative"),
        (Decimal(-5), "negative"),
        ("NaN", "not a price"),
        (Decimal("NaN"), "not a price"),
        (Decimal("Infinity"), "not a price"),
        ("1e2", "digits and a point"),
        ("1E+2", "digits and a point"),
        ("+95", "digits and a point"),
        ("1_000", "digits and a point"),
        ("\u0661\u0662", "digits and a point"),  # Arabic-Indic digits, which Decimal() reads
        ("95,00", "digits and a point"),
        ("95.", "digits and a point"),
        ("", "digits and a point"),
        ("95.001", "more than 2 decimal places"),
        ("95.000", "more than 2 decimal places"),
        (Decimal("95.000"), "more than 2 decimal places"),
        ("100000000", "too high"),
        (Decimal("1.5E+300"), "too high"),
        ("9" * 5000, "too high"),
    ],
)
def test_prices_that_fail(value: object, words: str) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        to_price(value)
    assert words in caught.value.message()
    assert len(caught.value.message()) < 160  # a 5,000-digit price is not quoted whole


@given(st.text(max_size=30))
def test_any_text_is_a_price_or_an_error(text: str) -> None:
    try:
        price = to_price(text)
    except PydanticCustomError as exc:
        kind = exc.type
    else:
        kind = "price"
    if kind != "price":
        assert kind == "invalid-price"
        return
    assert Decimal(0) <= price <= MAX_PRICE
    assert price.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Massage \u202eevil\u202c", "a bidirectional control character (U+202E)"),
        ("Massage \u2066x\u2069", "a bidirectional control character (U+2066)"),
        ("Massage\tsixty", "a tab (U+0009)"),
        ("Massage\u2028sixty", "a line separator (U+2028)"),
        ("Mass\x00age", "the control character (U+0000)"),
    ],
)
def test_texts_with_control_characters(text: str, words: str) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        check_text(text)
    assert words in caught.value.message()


def test_right_to_left_marks_stay_allowed() -> None:
    assert (
        check_text("\u05e2\u05d9\u05e1\u05d5\u05d9 \u200f60\u200f")
        == "\u05e2\u05d9\u05e1\u05d5\u05d9 \u200f60\u200f"
    )


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("c\u202e1", "bidirectional control character U+202E at position 2"),
        ("c\t1", "control character U+0009 at position 2"),
        ("   ", "is empty"),
        ("x" * 201, "201 characters long"),
    ],
)
def test_client_ids(value: str, words: str) -> None:
    problem = text_problem(value, 200, "the client id")
    assert problem is not None
    assert words in problem
