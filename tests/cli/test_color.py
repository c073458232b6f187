"""``--color auto|always|never``, ``FORCE_COLOR``, ``NO_COLOR`` and ``TERM=dumb`` (SPEC §4)."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.cli.color import ColorMode, use_color
from tests.conftest import ROOT

Run = Callable[..., Result]
GOLDEN = ROOT / "tests" / "golden" / "color"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("mode", "env", "tty", "expected"),
    [
        pytest.param("auto", {}, True, True, id="a terminal"),
        pytest.param("auto", {}, False, False, id="a pipe"),
        pytest.param("auto", {"NO_COLOR": "1"}, True, False, id="NO_COLOR"),
        pytest.param("auto", {"NO_COLOR": ""}, True, True, id="an empty NO_COLOR counts for nothing"),
        pytest.param("auto", {"TERM": "dumb"}, True, False, id="TERM=dumb"),
        pytest.param("auto", {"FORCE_COLOR": "1"}, False, True, id="FORCE_COLOR on a pipe"),
        pytest.param("auto", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, True, id="FORCE_COLOR wins"),
        pytest.param("auto", {"FORCE_COLOR": ""}, False, False, id="an empty FORCE_COLOR"),
        pytest.param("always", {"NO_COLOR": "1", "TERM": "dumb"}, False, True, id="always wins"),
        pytest.param("never", {"FORCE_COLOR": "1"}, True, False, id="never wins"),
    ],
)
def test_the_policy(mode: str, env: dict[str, str], tty: bool, expected: bool) -> None:
    stream = Terminal() if tty else io.StringIO()
    assert use_color(ColorMode(mode), stream, env) is expected


def broken(clinic: Path) -> Path:
    path = clinic / "sessions" / "rmt60.yaml"
    path.write_text(path.read_text().replace("duration: 60", "duration: 62"))
    path = clinic / "sessions" / "acupinitial.yaml"
    path.write_text(path.read_text().replace("locations: [downtown", "locations: [downtwn"))
    return clinic


def lint(run: Run, clinic: Path, *args: str, env: dict[str, str] | None = None) -> str:
    clean = {"NO_COLOR": "", "FORCE_COLOR": "", "TERM": "xterm", **(env or {})}
    result = run(*args, env=clean)
    assert result.exit_code == 1, result.output
    return result.stdout


@pytest.fixture
def in_clinic(clinic: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(broken(clinic))
    return clinic


def test_always_colours_the_text_output_golden(run: Run, in_clinic: Path) -> None:
    out = lint(run, in_clinic, "lint", "--color", "always")
    path = GOLDEN / "lint.txt"
    if os.environ.get("SESSCONF_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8")
    assert ANSI.sub("", out) == lint(run, in_clinic, "lint", "--color", "never")


@pytest.mark.parametrize(
    ("args", "env", "colored"),
    [
        pytest.param(("lint",), {}, False, id="auto on a pipe"),
        pytest.param(("lint",), {"FORCE_COLOR": "1"}, True, id="FORCE_COLOR"),
        pytest.param(("lint", "--color", "never"), {"FORCE_COLOR": "1"}, False, id="the flag wins"),
        pytest.param(("lint", "--color", "auto"), {"FORCE_COLOR": "1"}, True, id="auto as the default"),
        pytest.param(("--color", "always", "lint"), {}, True, id="on the group"),
        pytest.param(("--color", "always", "lint", "--color", "never"), {}, False, id="the command's wins"),
        pytest.param(("lint", "--format", "json", "--color", "always"), {}, False, id="json is never styled"),
    ],
)
def test_flag_and_environment(
    run: Run, in_clinic: Path, args: tuple[str, ...], env: dict[str, str], colored: bool
) -> None:
    out = lint(run, in_clinic, *args, env=env)
    assert bool(ANSI.search(out)) is colored


def test_every_command_that_prints_takes_the_flag(run: Run) -> None:
    from sessconf.cli.main import COMMANDS, cli

    for name in COMMANDS:
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None
        opts = {opt for p in command.params for opt in getattr(p, "opts", [])}
        assert "--color" in opts, name
    # `new --color` is the session's calendar colour: the terminal's comes before the command
    assert run("--color", "never", "new", "--help").exit_code == 0
    assert run("appointments", "list", "--help").output.count("auto|always|never") == 1


def test_colours_come_from_clicks_styling_not_hand_written_codes() -> None:
    for path in (ROOT / "src" / "sessconf").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\\(x1b|033|u001b)\[", text), path
