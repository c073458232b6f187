"""The garbage-collector policy: the console script holds the collector until lint has loaded."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.diagnostics import Diagnostic
from sessconf.repository.files import ReadError
from sessconf.repository.pyproject import load_settings
from sessconf.settings import Settings
from sessconf.speed import gc as speed_gc
from tests.conftest import WriteRepo

Run = Callable[..., Result]


def test_the_console_script_holds_the_collector_until_lint_has_loaded(
    run: Run, write_repo: WriteRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert gc.isenabled()
    seen: list[bool] = []

    def load_settings_spy(
        root: Path, read: bytes | ReadError | None = None
    ) -> tuple[Settings, list[Diagnostic]]:
        seen.append(gc.isenabled())
        return load_settings(root, read)

    monkeypatch.setattr("sessconf.repository.load.load_settings", load_settings_spy)
    monkeypatch.setattr(speed_gc, "_console", False)
    speed_gc.hold()
    try:
        assert not gc.isenabled()
        assert run("lint", "--dir", write_repo()).exit_code == 0
    finally:
        speed_gc.release()
    assert seen == [False]
    assert gc.isenabled()
    assert speed_gc._kept == []  # only the console script keeps the result until it exits


def test_other_commands_turn_the_collector_back_on(run: Run) -> None:
    speed_gc.hold()
    try:
        assert run("rules").exit_code == 0
        assert gc.isenabled()
    finally:
        speed_gc.release()
    assert gc.isenabled()
