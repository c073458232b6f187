"""Client ids given on the command line are usage errors (exit 2) when the store cannot hold them
or they hold control characters, on every command that takes one (not only ``book``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

Run = Callable[..., Result]


@pytest.mark.parametrize(
    ("client", "words"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("x" * 201, "201 characters long"),
        ("c\t1", "control character U+0009"),
        ("c\u202e1", "bidirectional control character U+202E"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["appointments", "book", "acupinitial", "--location", "downtown", "--start", "2031-01-06T10:00"],
        ["appointments", "list"],
        ["charges"],
    ],
)
def test_a_bad_client_id_is_a_usage_error(
    run: Run, write_repo: Callable[..., Path], tmp_path: Path, client: str, words: str, command: list[str]
) -> None:
    root = write_repo()
    result = run(*command, "--client", client, "--dir", root, "--store", f"sqlite:///{tmp_path / 's.db'}")
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert not (tmp_path / "s.db").exists()
