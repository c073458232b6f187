"""``sessconf lint`` on the command line: exit status, ``--strict``, text and JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import Result

from tests.conftest import ACUPINITIAL, WriteRepo

Run = Callable[..., Result]


def test_cli_exit_codes_and_strict(run: Run, write_repo: WriteRepo) -> None:
    root = write_repo(sessions={"acupinitial": ACUPINITIAL.replace("duration: 60", "duration: 62")})
    assert run("lint", "--dir", root).exit_code == 0
    assert run("lint", "--dir", root, "--strict").exit_code == 1
    assert run("lint", "--dir", root, "--format", "yaml").exit_code == 2
    assert run("lint", "--dir", root, root / "nope.yaml").exit_code == 2


def test_cli_text_output(run: Run, write_repo: WriteRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_repo(sessions={"acupinitial": ACUPINITIAL.replace("[downtown,", "[downtwn,")})
    monkeypatch.chdir(root)
    result = run("lint")
    assert result.exit_code == 1
    assert result.output == (
        "locations.yaml:1:1: warning SC304 location 'downtown' is not used by any session"
        " (archive it (archived: true) or add it to a session)\n"
        "sessions/acupinitial.yaml:4:13: error SC201 unknown location 'downtwn' (did you mean 'downtown'?)\n"
        "Found 1 error and 1 warning in 3 files.\n"
    )


def test_cli_json_output(run: Run, write_repo: WriteRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_repo(sessions={"acupinitial": ACUPINITIAL.replace("duration: 60", "duration: 62")})
    monkeypatch.chdir(root)
    data = json.loads(run("lint", "--format", "json").output)
    assert data["summary"] == {"files": 3, "errors": 0, "warnings": 1}
    (diag,) = data["diagnostics"]
    assert {k: diag[k] for k in ("path", "line", "column", "severity", "code")} == {
        "path": "sessions/acupinitial.yaml",
        "line": 6,
        "column": 11,
        "severity": "warning",
        "code": "SC302",
    }
