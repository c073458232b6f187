"""Fixtures of the output tests: a repository with errors and warnings in a git work tree, lint results."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sessconf.diagnostics import Diagnostic
from sessconf.lint.engine import LintResult, lint
from tests.conftest import ACUPINITIAL, WriteRepo

BROKEN = ACUPINITIAL.replace("[downtown, westside]", "[downtwn, westside]").replace(
    "duration: 60", "duration: 62"
)


STRAY = "we:ird,name.yml"  # a `:` and a `,` in a file name, to escape in properties


@pytest.fixture
def git_repo(write_repo: WriteRepo, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two errors and two warnings, in a git work tree, run from its sessions/ folder.

    GitHub and SARIF paths are relative to the git root, not to the working directory.
    """
    root = write_repo(sessions={"acupinitial": BROKEN}, files={f"sessions/{STRAY}": ""})
    (root / ".git").mkdir()
    monkeypatch.chdir(root / "sessions")
    return root


def synthetic(result: LintResult, *diagnostics: Diagnostic) -> LintResult:
    return dataclasses.replace(result, diagnostics=list(diagnostics))


@pytest.fixture
def clean(write_repo: WriteRepo) -> LintResult:
    return lint(write_repo(), jobs=1)
