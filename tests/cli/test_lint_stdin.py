"""``sessconf lint --stdin-filename PATH -``: an editor's unsaved buffer, checked against the
repository on disk (SPEC §4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

Run = Callable[..., Result]


@pytest.fixture
def here(clinic: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(clinic)
    return clinic


def test_the_buffer_wins_over_the_disk_and_references_are_checked(run: Run, here: Path) -> None:
    buffer = (here / "sessions/acupinitial.yaml").read_text().replace("downtown", "dwntown")
    result = run("lint", "--stdin-filename", "sessions/acupinitial.yaml", "-", input=buffer)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("sessions/acupinitial.yaml:")
    assert "SC201 unknown location 'dwntown' (did you mean 'downtown'?)" in result.output
    assert result.output.endswith("Found 1 error and 0 warnings in 1 file.\n")
    assert "dwntown" not in (here / "sessions/acupinitial.yaml").read_text()  # nothing written


def test_a_clean_buffer_passes_where_the_disk_fails(run: Run, here: Path) -> None:
    path = here / "sessions/rmt60.yaml"
    good = path.read_text()
    path.write_text(good.replace("duration: 60", "duration: oops"))
    assert run("lint", "sessions/rmt60.yaml").exit_code == 1
    result = run("lint", "--stdin-filename", "sessions/rmt60.yaml", "-", "--format", "json", input=good)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["diagnostics"] == []


def test_a_new_file_not_on_disk_yet(run: Run, here: Path) -> None:
    buffer = (here / "sessions/rmt60.yaml").read_text().replace("name: rmt60", "name: rmt75")
    result = run("lint", "--stdin-filename", "sessions/rmt75.yaml", "-", input=buffer)
    assert result.exit_code == 0, result.output
    # the same buffer under the other name is a duplicate of the session on disk
    other = buffer.replace("rmt75", "rmt60")
    clash = run("lint", "--stdin-filename", "sessions/rmt75.yaml", "-", input=other)
    assert clash.exit_code == 1
    assert "SC105" in clash.output


def test_a_catalogue_buffer_reports_its_own_diagnostics(run: Run, here: Path) -> None:
    buffer = "downtown:\n  name: Downtown\n"
    result = run("lint", "--stdin-filename", "locations.yaml", "-", input=buffer)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert all(line.startswith("locations.yaml:") for line in lines[:-1]), lines
    assert "missing the required key 'timezone'" in result.output


def test_a_buffer_with_a_syntax_error_has_its_position(run: Run, here: Path) -> None:
    result = run("lint", "--stdin-filename", "sessions/rmt60.yaml", "-", input="name: [rmt60\n")
    assert result.exit_code == 1
    assert result.output.startswith("sessions/rmt60.yaml:1:7: error SC003 invalid YAML: this list is not")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lint", "-"), "needs --stdin-filename PATH"),
        (("lint", "--stdin-filename", "sessions/rmt60.yaml"), "`-` as the only path"),
        (("lint", "--stdin-filename", "sessions/rmt60.yaml", "-", "locations.yaml"), "`-` as the only path"),
        (("lint", "--stdin-filename", "README.md", "-"), "not a session file or a catalogue"),
        (("lint", "--stdin-filename", "/elsewhere/sessions/x.yaml", "-"), "not a session file"),
    ],
)
def test_usage_errors(run: Run, here: Path, args: tuple[str, ...], message: str) -> None:
    result = run(*args, input="name: x\n")
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_too_large_a_buffer_is_refused(run: Run, here: Path) -> None:
    result = run("lint", "--stdin-filename", "sessions/rmt60.yaml", "-", input="#" * (1024 * 1024 + 1))
    assert result.exit_code == 2
    assert "more than 1048576 bytes" in result.output
