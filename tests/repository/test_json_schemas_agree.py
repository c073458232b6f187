"""The JSON schemas' text pattern agrees with the validator on control and bidirectional
characters (editors must not accept what lint rejects), and the price pattern on written forms."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from sessconf.model import check_text, to_price
from sessconf.repository.json_schemas import _PRICE, _TEXT

TEXT = re.compile(str(_TEXT["pattern"]))
PRICE = re.compile(str(_PRICE["pattern"]))
# letters and spaces, with the characters that are refused anywhere in a text
PIECES = st.sampled_from(
    ["a", "b", " ", "\t", "\n", "\r", "\x00", "\x7f", "\x85", "\u2028", "\u202e", "\u2066"]
)


def _accepted(check: object, value: str) -> bool:
    try:
        check(value)  # type: ignore[operator]
    except PydanticCustomError:
        return False
    return True


@given(st.lists(PIECES, max_size=12).map("".join))
def test_text_pattern_agrees_on_controls(text: str) -> None:
    assert bool(TEXT.search(text)) == _accepted(check_text, text)


@given(st.from_regex(r"\s?[-+]?[0-9._e,]{0,8}\s?", fullmatch=True))
def test_price_pattern_agrees(text: str) -> None:
    assert bool(PRICE.search(text)) == _accepted(to_price, text)
