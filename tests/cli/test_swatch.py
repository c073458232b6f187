"""Colour swatches in ``show`` and ``list`` on a true-colour terminal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import Result

from sessconf.cli import swatch
from sessconf.output import Context
from sessconf.store import HistoryEntry, Store
from sessconf.store.url import resolve
from tests.conftest import ROOT

Run = Callable[..., Result]
TEAL = "\x1b[38;2;15;118;110m██\x1b[0m"  # #0f766e as a 24-bit foreground


@pytest.mark.parametrize(
    ("colorterm", "expected"),
    [("truecolor", True), ("24bit", True), ("TrueColor", True), ("", False), ("256color", False)],
)
def test_true_color_is_read_from_colorterm(colorterm: str, expected: bool) -> None:
    assert swatch.true_color({"COLORTERM": colorterm}) is expected


def test_a_swatch_is_a_block_in_the_colour() -> None:
    assert swatch.swatch("#0f766e") == TEAL == click.style("██", fg=(15, 118, 110))


def test_no_swatch_without_colour_or_without_true_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLORTERM", "truecolor")
    assert swatch.terminal_swatch(color_on=False) is None
    assert swatch.terminal_swatch(color_on=True) is swatch.swatch
    monkeypatch.setenv("COLORTERM", "256color")
    assert swatch.terminal_swatch(color_on=True) is None


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    from sessconf.operations.apply import apply_repository
    from sessconf.repository.load import load_repository

    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store(resolve(url, None, tmp_path)) as store:
        apply_repository(store, load_repository(ROOT), history=HistoryEntry("tester", None, None))
    return url


@pytest.fixture
def colour_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a terminal that draws 24-bit colour."""
    from sessconf.cli import list_, show

    monkeypatch.setenv("COLORTERM", "truecolor")
    for module in (list_, show):
        monkeypatch.setattr(module, "output_context", lambda: Context(color=True))


@pytest.mark.usefixtures("colour_terminal")
def test_list_draws_each_sessions_colour(run: Run, store_url: str) -> None:
    result = run("list", "--store", store_url)
    assert result.exit_code == 0, result.output
    (acupinitial,) = [line for line in result.output.splitlines() if " acupinitial " in line]
    assert acupinitial.startswith(TEAL + " acupinitial ")


@pytest.mark.usefixtures("colour_terminal")
def test_show_draws_the_colour_beside_its_value(run: Run, store_url: str) -> None:
    result = run("show", "acupinitial", "--store", store_url)
    assert result.exit_code == 0, result.output
    assert f"#0f766e {TEAL}" in result.output


def test_no_swatch_in_a_pipe(run: Run, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLORTERM", "truecolor")
    for args in (("list",), ("show", "acupinitial")):
        result = run(*args, "--store", store_url)
        assert "\x1b[" not in result.output
