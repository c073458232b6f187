"""Which folder is the repository (SPEC §3): `--dir`, else found upward; paths print from where one stands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import ACUPINITIAL, WriteRepo

Run = Callable[..., Result]


@pytest.mark.parametrize("command", [["lint"], ["list"], ["diff"], ["new", "x"], ["archive", "x"]])
def test_a_dir_that_does_not_exist_is_a_usage_error(run: Run, tmp_path: Path, command: list[str]) -> None:
    result = run(*command, "--dir", tmp_path / "nonexistent")
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert "No bookable sessions" not in result.output
    assert "SC010" not in result.output


def test_a_dir_that_is_a_file_is_a_usage_error(run: Run, write_repo: WriteRepo) -> None:
    root = write_repo()
    assert run("lint", "--dir", root / "locations.yaml").exit_code == 2
    assert run("diff", "--detailed-exitcode", "--dir", root / "nonexistent").exit_code == 1  # as Terraform


def test_the_repository_is_found_upward_and_paths_print_from_where_the_user_stands(
    run: Run, write_repo: WriteRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo(sessions={"acupinitial": ACUPINITIAL.replace("[downtown,", "[downtwn,")})
    monkeypatch.chdir(root / "sessions")
    result = run("lint", "acupinitial.yaml")
    assert result.exit_code == 1
    assert result.output == (
        "acupinitial.yaml:4:13: error SC201 unknown location 'downtwn' (did you mean 'downtown'?)\n"
        "Found 1 error and 0 warnings in 1 file.\n"
    )
    whole = run("lint").output.splitlines()
    assert whole[0].startswith("../locations.yaml:1:1: warning SC304")


def test_without_a_repository_upward_the_working_directory_is_the_repository(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sessions").mkdir()  # no locations.yaml beside it: not a repository root
    monkeypatch.chdir(tmp_path / "sessions")
    result = run("lint")
    assert result.exit_code == 1
    assert result.output.splitlines()[:3] == [
        "billing_items.yaml:1:1: error SC010 billing_items.yaml is missing; the repository must have it"
        " (write {} in it for an empty catalogue)",
        "locations.yaml:1:1: error SC010 locations.yaml is missing; the repository must have it"
        " (write {} in it for an empty catalogue)",
        "sessions:1:1: error SC010 the sessions/ folder is missing; the repository must have it"
        " (create it, even if it holds no session yet)",
    ]
