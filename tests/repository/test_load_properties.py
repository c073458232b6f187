"""Properties of the loader: any input is an answer (a value or diagnostics), never a traceback.

- arbitrary bytes, and YAML-ish text built from a grammar of fragments, go through
  ``parse_yaml`` and through a full ``lint`` of a repository holding them;
- every diagnostic has a position inside its file (1:1 for problems of the whole file);
- a generated valid session, written with ``yaml.safe_dump``, loads back as the same model
  with no diagnostic.
"""

from __future__ import annotations

import re
import shutil
import string
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessconf.diagnostics import Diagnostic, Severity
from sessconf.lint.engine import lint
from sessconf.model import Session, session_values
from sessconf.yaml.read import parse_yaml
from tests.conftest import TESTS

BASE = TESTS / "golden" / "bad" / "_base"
FILE = Path("/repo/sessions/s.yaml")
# Line breaks as YAML 1.1 (and libyaml) count them.
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
slow = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def repository(files: dict[str, bytes]) -> Iterator[Path]:
    """The golden base repository with ``files`` added (written as given)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        shutil.copytree(BASE, root)
        for rel, raw in files.items():
            (root / rel).write_bytes(raw)
        yield root


def assert_in_bounds(diagnostic: Diagnostic, raw: bytes) -> None:
    """The position is a character of the file, or just past the end of a line (1:1 when empty)."""
    lines = LINE_BREAK.split(raw.decode("utf-8-sig", errors="replace"))
    assert 1 <= diagnostic.line <= len(lines), diagnostic
    assert 1 <= diagnostic.column <= len(lines[diagnostic.line - 1]) + 1, diagnostic


def assert_plain(value: object) -> None:
    """What the builder makes: mappings with text keys, lists, text, numbers, booleans, None."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str)
            assert_plain(item)
    elif isinstance(value, list):
        for item in value:
            assert_plain(item)
    else:
        assert value is None or isinstance(value, str | bool | int | Decimal), value


def check_parse(raw: bytes) -> None:
    doc = parse_yaml(FILE, raw)
    assert_plain(doc.data)
    for problem in doc.problems:
        assert problem.path == FILE
        assert_in_bounds(problem, raw)
    # Without positions (the loader's fast path) the answer is the same.
    quick = parse_yaml(FILE, raw, positions=False)
    assert (repr(quick.data), quick.problems) == (repr(doc.data), doc.problems)  # repr: NaN != NaN


def check_lint(raw: bytes) -> None:
    """A session file holding ``raw``: it loads as a session, or it has an error of its own."""
    with repository({"sessions/s.yaml": raw}) as root:
        result = lint(root, jobs=1)
        path = root / "sessions" / "s.yaml"
        mine = [d for d in result.diagnostics if d.path == path]
        for diagnostic in mine:
            assert_in_bounds(diagnostic, raw)
        assert "s" in result.repository.sessions or any(d.severity is Severity.ERROR for d in mine)
        # The base files are still checked: a broken session hides nothing of theirs.
        assert "acupinitial" in result.repository.sessions
        assert {d.path for d in result.diagnostics} <= {path}


# --- (a) arbitrary bytes ------------------------------------------------------------------------

# Bytes that are mostly text, so that the parser gets past the first line now and then.
text_bytes = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.lists(
        st.sampled_from([b"a", b":", b" ", b"\n", b"-", b"\xe9", b"\xef\xbb\xbf", b"\t", b"'", b"\r"])
    ).map(b"".join),
)


@fast
@given(text_bytes)
def test_any_bytes_parse_to_an_answer(raw: bytes) -> None:
    check_parse(raw)


@slow
@given(text_bytes)
def test_any_bytes_in_a_session_file_lint_to_an_answer(raw: bytes) -> None:
    check_lint(raw)


# --- (b) YAML-ish text from a grammar of fragments ----------------------------------------------

KEYS = ["name", "description", "discipline", "locations", "color", "duration", "billing_items",
        "archived", "previous_names", "max_attendees", "buffer_before", "item", "quantity",
        "colour", "'name'", '"duration"', "<<", "? [a]", "1:30", "no", "x y", "-k"]  # fmt: skip
SCALARS = ["s", "massage", "acupinitial", "downtown", "needles", "60", "060", "1:30", "0x3C", "0b_",
           "4.505", "-4.50", ".inf", ".nan", "yes", "no", "on", "~", "null", "''", '""', "'a: b'",
           '"\\a"', '"#0f766e"', "#0f766e", "#fff", "1_000", "2024-01-01", "'unclosed", '"unclosed',
           "a: b", "é", "\t", "*a", "*b", "&a x", "!!str 5", "!!binary aGk=", "!x y", "!!set {a}",
           "|\n  block", ">-\n  folded", "- a", "*undefined"]  # fmt: skip
FLOWS = ["[]", "{}", "[a, b]", "[downtown, westside]", "{item: needles, quantity: 2}", "[a, [b, [c]]]",
         "&a [x, *a]", "&b {k: *b}", "[a, b", "{a: 1", "[*a, *a, *a]", "&a [1, 2, 3]", "[a: b]"]  # fmt: skip
COMMENTS = [
    "",
    "",
    "",
    "  # a comment",
    "  # sessconf: disable=SC302",
    "  # sessconf: disable=SC201,nope",
    "#x",
]


RAW_LINES = ["---", "...", "", "#", "\t- x", "  - item: needles", "%YAML 1.1", "? a", ": b", "- ", "'",
             "discipline massage"]  # fmt: skip


@st.composite
def block(draw: st.DrawFn, indent: int = 0, depth: int = 0) -> list[str]:
    """A block mapping or list of fragments, indented consistently (nested up to 3 levels)."""
    lines: list[str] = []
    mapping = draw(st.booleans()) if depth else draw(st.sampled_from([True, True, True, False]))
    for _ in range(draw(st.integers(1, 5))):
        head = " " * indent + (f"{draw(st.sampled_from(KEYS))}:" if mapping else "-")
        comment = draw(st.sampled_from(COMMENTS))
        if depth < 3 and draw(st.integers(0, 3)) == 0:
            lines.append(head + comment)
            lines.extend(draw(block(indent + 2, depth + 1)))
        else:
            lines.append(f"{head} {draw(st.sampled_from(SCALARS + FLOWS))}{comment}")
    return lines


@st.composite
def yamlish(draw: st.DrawFn) -> str:
    """A document of fragments: mostly well formed, sometimes with a stray line or indentation."""
    lines = draw(st.sampled_from([[], [], ["---"], ["%YAML 1.1", "---"], ["# sessconf: disable=SC301"]]))
    lines = lines + draw(block())
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(lines)))
        if draw(st.booleans()):
            lines.insert(at, draw(st.sampled_from(RAW_LINES)))
        elif at < len(lines):
            lines[at] = " " * draw(st.integers(0, 3)) + lines[at].lstrip(" ")
    end = draw(st.sampled_from(["\n", "\n", "", "\r\n"]))
    return end.join(lines) + end


@fast
@given(yamlish())
def test_yamlish_text_parses_to_an_answer(text: str) -> None:
    check_parse(text.encode())


@slow
@given(yamlish())
def test_yamlish_session_files_lint_to_an_answer(text: str) -> None:
    check_lint(text.encode())


@slow
@given(st.lists(st.sampled_from(SCALARS + FLOWS), min_size=1, max_size=6))
def test_yamlish_values_of_a_valid_session_lint_to_an_answer(values: list[str]) -> None:
    # The fragments land where a real session has its values, so validation is reached too.
    body = "".join(
        f"{key}: {value}\n"
        for key, value in zip(
            ["description", "duration", "locations", "color", "archived", "x"], values, strict=False
        )
    )
    check_lint(b"name: s\ndiscipline: massage\n" + body.encode())


# --- (c) round trip -----------------------------------------------------------------------------

LOCATIONS = {"downtown": {"acupuncture", "physiotherapy", "massage"}, "westside": {"acupuncture", "massage"}}
TAKEN = {"acupinitial", "acupinit"}
names = st.from_regex(r"[a-z][a-z0-9_-]{0,15}", fullmatch=True).filter(lambda n: n not in TAKEN)
text_chars = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
descriptions = st.text(text_chars, min_size=1, max_size=200).filter(lambda t: 0 < len(t.strip()) <= 200)
hex_digits = st.text(st.sampled_from(string.hexdigits), min_size=3, max_size=3) | st.text(
    st.sampled_from(string.hexdigits), min_size=6, max_size=6
)
steps = st.integers(1, 120).map(lambda n: n * 5)


def billing_lines(codes: list[str]) -> st.SearchStrategy[list[Any]]:
    """Each code as itself, or as a mapping with a quantity."""
    lines = [
        st.just(c) | st.fixed_dictionaries({"item": st.just(c), "quantity": st.integers(1, 50)})
        for c in codes
    ]
    return st.tuples(*lines).map(list)


@st.composite
def sessions(draw: st.DrawFn) -> dict[str, Any]:
    discipline = draw(st.sampled_from(["acupuncture", "massage", "physiotherapy"]))
    offering = sorted(loc for loc, offered in LOCATIONS.items() if discipline in offered)
    name = draw(names)
    data: dict[str, Any] = {
        "name": name,
        "description": draw(descriptions),
        "discipline": discipline,
        "locations": draw(st.lists(st.sampled_from(offering), min_size=1, unique=True)),
        "color": "#" + draw(hex_digits),
        "duration": draw(steps),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {
        "billing_items": st.lists(st.sampled_from(["acup-initial", "needles"]), unique=True).flatmap(
            billing_lines
        ),
        "archived": st.booleans(),
        "previous_names": st.lists(names.filter(lambda n: n != name), max_size=3, unique=True),
        "max_attendees": st.integers(1, 100),
        "online_booking": st.booleans(),
        "buffer_before": st.integers(0, 24).map(lambda n: n * 5),
        "buffer_after": st.integers(0, 24).map(lambda n: n * 5),
        "telehealth": st.booleans(),
    }
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        data[key] = draw(optional[key])
    return data


@slow
@given(sessions(), st.booleans(), st.booleans())
def test_a_valid_session_round_trips(data: dict[str, Any], flow: bool, unicode: bool) -> None:
    raw = yaml.safe_dump(data, sort_keys=False, default_flow_style=flow, allow_unicode=unicode).encode()
    # Long descriptions make long SMS reminders and any colour may be faint: allow them, this is
    # about the loader.
    pyproject = b'[tool.sessconf]\nsms_max_segments = 20\n\n[tool.sessconf.rules]\nfaint-color = "off"\n'
    with repository({f"sessions/{data['name']}.yaml": raw, "pyproject.toml": pyproject}) as root:
        result = lint(root, jobs=1)
        assert result.diagnostics == []
        assert result.repository.sessions[data["name"]].model == session_values(Session.model_validate(data))
