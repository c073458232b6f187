"""Docs that must not drift from the code."""

from __future__ import annotations

from tests.conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_starts_with_the_two_commands() -> None:
    main_job, tests = readme_commands()[:2]
    assert "sessconf lint" in main_job
    for tool in ("ruff check", "mypy --strict", "pytest"):
        assert tool in tests


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in ci
