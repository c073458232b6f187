"""A location's time zone is an IANA name, checked before the tz database is asked (SPEC §2).

POSIX-style and legacy names (EST5EDT, GMT0, EST), the host's own files (localtime, Factory),
copies of the database (posix/, right/), paths (../../etc/passwd, /etc/localtime) and absurdly long
values are positioned SC110 errors whose message quotes at most 64 characters; never a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from sessconf.model import TIMEZONE_MAX, check_timezone
from sessconf.repository.json_schemas import file_schemas

Run = Callable[..., Result]
SESSION = """\
name: s1
description: Test
discipline: massage
locations: [a]
color: "#0f766e"
duration: 60
"""


def _lint(run: Run, write_repo: Callable[..., Path], zone: str) -> list[dict[str, object]]:
    locations = f"a:\n  name: A\n  timezone: {json.dumps(zone)}\n  disciplines: [massage]\n"
    root = write_repo(sessions={"s1": SESSION}, locations=locations, billing="{}\n")
    result = run("lint", "--dir", root, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    diagnostics: list[dict[str, object]] = json.loads(result.output)["diagnostics"]
    return [d for d in diagnostics if d["code"] == "SC110"]


@pytest.mark.parametrize(
    ("zone", "hint"),
    [
        ("EST5EDT", "America/New_York"),
        ("PST8PDT", "America/Los_Angeles"),
        ("GMT0", "UTC"),
        ("EST", "America/Panama"),
        ("localtime", "IANA"),
        ("Factory", "IANA"),
        ("posix/America/Toronto", "America/Toronto"),
        ("right/UTC", "UTC"),
        ("../../etc/passwd", "IANA"),
        ("/etc/localtime", "IANA"),
        ("America/../Europe/Paris", "Europe/Paris"),
        ("A" * 300, "IANA"),
        ("A/" * 3000, "IANA"),
        ("America/Toronto\n", "America/Toronto"),
        ("America/Toronto\x00", "America/Toronto"),
    ],
)
def test_not_an_iana_name_is_a_positioned_error(
    run: Run, write_repo: Callable[..., Path], zone: str, hint: str
) -> None:
    [found] = _lint(run, write_repo, zone)
    assert (found["line"], found["column"]) == (3, 13)
    text = f"{found['message']} ({found.get('hint')})"
    assert hint in text
    assert len(text) < 400
    assert text.isprintable()


@pytest.mark.parametrize(
    "zone", ["UTC", "America/Toronto", "Etc/GMT+5", "US/Eastern", "America/Argentina/Buenos_Aires"]
)
def test_iana_names_pass(run: Run, write_repo: Callable[..., Path], zone: str) -> None:
    assert _lint(run, write_repo, zone) == []


def test_the_json_schema_agrees() -> None:
    schema = file_schemas()["locations.schema.json"]
    zone = next(d for d in schema["definitions"].values() if "timezone" in d.get("properties", {}))
    zone = zone["properties"]["timezone"]
    pattern = re.compile(zone["pattern"])
    assert zone["maxLength"] == TIMEZONE_MAX
    for good in ("UTC", "America/Toronto", "Etc/GMT+5"):
        assert pattern.search(good)
    for bad in ("EST5EDT", "localtime", "../../etc/passwd", "/etc/localtime"):
        assert not pattern.search(bad)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_a_zone_or_a_custom_error(zone: str) -> None:
    error: PydanticCustomError | None = None
    try:
        check_timezone(zone)
    except PydanticCustomError as exc:
        error = exc
    if error is not None:
        assert error.type == "unknown-timezone"
        assert len(error.message()) < 300
