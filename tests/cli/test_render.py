"""``sessconf render`` reports the repository problems it would otherwise pass over (settings,
catalogues, the sessions it renders) as positioned diagnostics with exit 1, and a client first
name that no reminder could carry is a usage error (exit 2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import ACUPINITIAL

Run = Callable[..., Result]


@pytest.mark.parametrize(
    ("files", "where"),
    [
        ({"pyproject.toml": "[tool.sessconf]\nlocale = 5\n"}, "pyproject.toml:2:1: error SC012"),
        ({"pyproject.toml": "[tool.sessconf\n"}, "pyproject.toml:1:"),
        ({"locations.yaml": "downtown: 5\n"}, "locations.yaml:1:11: error SC103"),
        (
            {"sessions/acupinitial.yaml": "name: acupinitial\ndescription: [\n"},
            "sessions/acupinitial.yaml:3:1",
        ),
    ],
)
def test_repository_problems_are_diagnostics(
    run: Run,
    write_repo: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str],
    where: str,
) -> None:
    root = write_repo(files=files)
    monkeypatch.chdir(root)
    result = run("render", "acupinitial", "--channel", "sms")
    assert result.exit_code == 1, result.output
    assert where in result.output
    assert "Traceback" not in result.output


def test_render_all_reports_a_session_that_did_not_load(
    run: Run, write_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo(sessions={"acupinitial": ACUPINITIAL, "broken": "name: broken\nduration: [\n"})
    monkeypatch.chdir(root)
    result = run("render", "--all", "--format", "json")
    assert result.exit_code == 1, result.output
    [found] = json.loads(result.output)["diagnostics"]
    assert (found["path"], found["code"]) == ("sessions/broken.yaml", "SC003")
    # rendering one session does not read the other's file
    assert run("render", "acupinitial", "--channel", "sms").exit_code == 0


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Al\nice", "control character U+000A"),
        ("Al\x07ice", "control character U+0007"),
        ("Al\u202eice", "bidirectional control character U+202E"),
        ("A" * 201, "201 characters long"),
        ("", "is empty"),
    ],
)
def test_a_first_name_no_reminder_can_carry(
    run: Run, write_repo: Callable[..., Path], name: str, words: str
) -> None:
    root = write_repo()
    result = run("render", "acupinitial", "--dir", root, "--client-first-name", name)
    assert result.exit_code == 2, result.output
    assert words in result.output


def test_a_first_name_with_accents_renders(run: Run, write_repo: Callable[..., Path]) -> None:
    root = write_repo()
    result = run("render", "acupinitial", "--dir", root, "--channel", "sms", "--client-first-name", "Zoë")
    assert result.exit_code == 0, result.output
    assert "Zoë" in result.output
