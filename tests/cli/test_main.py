"""Exit status on every command (SPEC §4): 0 success, 1 finding/refusal, 2 usage, 3 bug; the
console script's start-up."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf import __version__, project_url
from sessconf.errors import RefusedError

Run = Callable[..., Result]


@pytest.mark.parametrize(
    ("args", "status"),
    [
        pytest.param(["lint", "--bogus"], 2, id="unknown-option"),
        pytest.param(["nosuchcommand"], 2, id="unknown-command"),
        pytest.param(["diff", "--format", "yaml"], 2, id="bad-choice"),
        pytest.param(["diff", "--detailed-exitcode", "--bogus"], 1, id="detailed-exitcode-usage"),
        pytest.param(["apply", "missing-plan.json", "--yes"], 2, id="missing-plan-file"),
        pytest.param(["--version"], 0, id="version"),
    ],
)
def test_usage_errors(
    run: Run, clinic: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], status: int
) -> None:
    monkeypatch.chdir(clinic)
    result = run(*args)
    assert result.exit_code == status, result.output
    assert "Traceback" not in result.output


def test_a_bug_prints_unexpected_error_the_version_and_the_traceback(
    run: Run, clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr("sessconf.lint.engine.Loading.start", broken)
    result = run("lint", "--dir", clinic)
    assert result.exit_code == 3
    assert "unexpected error" in result.output
    assert __version__ in result.output
    assert "Traceback" in result.output
    assert "KeyError: 'boom'" in result.output
    # a way forward: where to report it, and what it ran on
    assert f"please report it at {project_url('Issues')} " in result.output
    import platform
    from importlib import metadata

    assert (
        f"  sessconf {__version__}, Python {platform.python_version()} ({platform.system()}), "
        f"SQLAlchemy {metadata.version('SQLAlchemy')}, psycopg {metadata.version('psycopg')}, SQLite "
    ) in result.output


def test_a_user_error_is_a_short_message_with_its_hint(
    run: Run, clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise RefusedError("nothing was written", "pass --force")

    monkeypatch.setattr("sessconf.lint.engine.Loading.start", refuse)
    result = run("lint", "--dir", clinic)
    assert result.exit_code == 1
    assert result.output == "sessconf: error: nothing was written\n  hint: pass --force\n"


def test_the_console_script_disables_pydantic_plugins(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = textwrap.dedent(
        """
        import os, sys
        from sessconf.cli import main
        sys.argv = ["sessconf", "rules"]
        os._exit = lambda status: print(os.environ.get("PYDANTIC_DISABLE_PLUGINS"), status)
        main.main()
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("__all__ 0")
