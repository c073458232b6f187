"""Text fields (SPEC §2): no control characters, tabs, line breaks, U+2028/2029 or bidirectional
controls (embeddings, overrides, isolates) anywhere, and a description is not blank once white
space and invisible characters are set aside.

The rule, written out with ``unicodedata`` as the oracle: a text is valid when, trimmed, it holds
1-200 characters, none of General_Category Cc, Zl or Zp nor of the Bidi_Class LRE, RLE, LRO, RLO,
PDF, LRI, RLI, FSI or PDI, and at least one that is neither white space, a format character (Cf)
nor another default-ignorable character.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from sessconf import model
from sessconf.lint.engine import lint
from sessconf.yaml.emit import emit_scalar
from tests.conftest import ACUPINITIAL, MINIMAL_BILLING, MINIMAL_LOCATIONS, WriteRepo

Run = Callable[..., Result]
BLANK = "description: the text is blank: it holds only invisible characters"
# The bidirectional embeddings, overrides and isolates: they reorder what a reader sees.
BIDI = frozenset(("LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"))


def valid_by_the_spec(value: str) -> bool:
    text = value.strip()
    if not 1 <= len(text) <= model.TEXT_MAX:
        return False
    if any(
        unicodedata.category(c) in ("Cc", "Zl", "Zp") or unicodedata.bidirectional(c) in BIDI for c in text
    ):
        return False
    return not all(c.isspace() or unicodedata.category(c) == "Cf" or c in model.INVISIBLE for c in text)


def accepted(value: str) -> bool:
    try:
        model.check_text(value)
    except PydanticCustomError:
        return False
    return True


def test_the_characters_refused_are_exactly_cc_zl_zp_and_the_bidi_controls() -> None:
    refused = {chr(c) for c in range(sys.maxunicode + 1) if model.CONTROL_RE.match(chr(c))}
    assert refused == {
        chr(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in ("Cc", "Zl", "Zp") or unicodedata.bidirectional(chr(c)) in BIDI
    }


# Text made of the characters that matter here, mixed with any others.
tricky = st.sampled_from(
    ["\t", "\n", "\r", "\x85", "\u2028", "\u2029", "\x07", "\x7f", "\u200b", "\u200c", "\u200d",
     "\u2060", "\ufeff", "\u00ad", "\u034f", "\u3164", "\ufe0f", "\u202e", " ", "\u00a0", "\u3000",
     "a", "é", "👩", "💻"]
)  # fmt: skip
texts = st.text(st.one_of(tricky, st.characters(codec="utf-8")), max_size=12) | st.text(tricky, max_size=6)


@settings(max_examples=500, deadline=None)
@given(texts)
def test_check_text_follows_the_spec(value: str) -> None:
    assert accepted(value) == valid_by_the_spec(value)


# write_repo rewrites the session file each time: sharing the fixture between examples is fine.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts)
def test_a_description_lints_as_the_spec_says(write_repo: WriteRepo, value: str) -> None:
    body = ACUPINITIAL.replace("Acupuncture initial assessment", emit_scalar(value), 1)
    root = write_repo(sessions={"acupinitial": body})
    codes = {d.code for d in lint(root, jobs=1).diagnostics}
    assert ("SC106" not in codes) == valid_by_the_spec(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Massage\ttherapy", "description: the text holds a tab (U+0009) at position 8"),
        ('"Massage\\ntherapy"', "description: the text holds a line break (U+000A) at position 8"),
        ('"Massage\\Ltherapy"', "description: the text holds a line separator (U+2028) at position 8"),
        ('"Massage\\Ptherapy"', "description: the text holds a paragraph separator (U+2029) at position 8"),
        ('"\\u200b\\u200b"', f"{BLANK}, such as U+200B"),
        ('"\\u200d \\ufeff\\u00ad"', f"{BLANK}, such as U+200D"),
        ('"\\u3164"', f"{BLANK}, such as U+3164"),
        ("|\n  Massage\n  therapy", "description: the text holds a line break (U+000A) at position 8"),
    ],
)  # fmt: skip
def test_descriptions_that_are_refused(write_repo: WriteRepo, text: str, message: str) -> None:
    root = write_repo(sessions={"acupinitial": ACUPINITIAL.replace("Acupuncture initial assessment", text)})
    (diagnostic,) = lint(root, jobs=1).diagnostics
    assert (diagnostic.line, diagnostic.column, diagnostic.code, diagnostic.message) == (
        2,
        14,
        "SC106",
        message,
    )


@pytest.mark.parametrize(
    "text",
    [
        ">\n  Massage\n  therapy",  # a folded block is one line, its final line break trimmed
        '"Coding \U0001f469\u200d\U0001f4bb help"',  # a zero-width joiner inside an emoji sequence
        '"caf\u00e9\u00a0cr\u00e8me"',
        '"\\u200bMassage"',  # an invisible character among visible ones
        "'  Massage  '",
    ],
)
def test_descriptions_that_are_accepted(write_repo: WriteRepo, text: str) -> None:
    root = write_repo(sessions={"acupinitial": ACUPINITIAL.replace("Acupuncture initial assessment", text)})
    # (an emoji makes the SMS reminder UCS-2, and longer: a warning of its own)
    assert [d for d in lint(root, jobs=1).diagnostics if d.code != "SC402"] == []


def test_names_and_addresses_are_text_fields_too(write_repo: WriteRepo) -> None:
    locations = MINIMAL_LOCATIONS.replace("Downtown Clinic", '"Downtown\\tClinic"').replace(
        "120 King St W, Toronto", '"120 King St W\\nToronto"'
    )
    billing = MINIMAL_BILLING.replace("Sterile needle pack", '"Sterile\\u2028needle pack"')
    root = write_repo(locations=locations, billing=billing)
    found = [(d.path.name, d.line, d.column, d.code) for d in lint(root, jobs=1).diagnostics]
    assert found == [
        ("billing_items.yaml", 6, 9, "SC106"),
        ("locations.yaml", 2, 9, "SC106"),
        ("locations.yaml", 5, 12, "SC106"),
    ]


def test_new_refuses_a_description_with_a_line_break(
    run: Run, write_repo: WriteRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo()
    monkeypatch.chdir(root)
    args = ("--discipline", "acupuncture", "--location", "downtown", "--color", "#0f766e", "--duration", "60")
    result = run("new", "yoga", "--description", "a\nb", *args)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "sessions/yoga.yaml:3:14: error SC106 description: the text holds a line break (U+000A) at position 2"
        " (write it on one line: a folded block, marked >, joins its lines with spaces)",
        "Found 1 error and 0 warnings in 1 file.",
        "Nothing was written: sessions/yoga.yaml would not lint.",
    ]
    assert not (root / "sessions" / "yoga.yaml").exists()
    assert not Path(root / "sessions").joinpath(".yoga.yaml").exists()


def test_the_clinic_name_holds_no_control_character(write_repo: WriteRepo) -> None:
    root = write_repo(pyproject='[tool.sessconf]\ncurrency = "CAD"\nclinic_name = "Harbourview\\tHealth"\n')
    (diagnostic,) = lint(root, jobs=1).diagnostics
    assert (diagnostic.path.name, diagnostic.line, diagnostic.column, diagnostic.code) == (
        "pyproject.toml",
        3,
        1,
        "SC012",
    )
    assert "U+0009" in diagnostic.message
