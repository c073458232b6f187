"""Store paths and URLs that cannot be used: one clear sentence, never a hang or a traceback (SPEC §4).

A SQLite path that is a FIFO would block SQLite's open forever; a loop of links or a name longer
than the system allows raised ``OSError``/``RuntimeError`` from ``Path.exists()``; a ``?port=``
that is not a number raised from the database library when the engine was made.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.errors import StoreError, UsageError
from sessconf.store.url import Source, StoreUrl
from tests.bounded import run_bounded

Run = Callable[..., Result]
SECRET = "Secr3tPassw0rd"


def _bad_paths(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    fifo = tmp_path / "fifo.db"
    os.mkfifo(fifo)
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    (tmp_path / "folder.db").mkdir()
    (tmp_path / "plain").write_text("x")
    return {
        "fifo": (fifo, "FIFO"),
        "loop": (tmp_path / "loop1", "loop of symbolic links"),
        "long-name": (tmp_path / ("a" * 300), "longer than the system allows"),
        "long-path": (tmp_path / "/".join(["abcdefgh"] * 600), "longer than the system allows"),
        "folder": (tmp_path / "folder.db", "a folder"),
        "through-a-file": (tmp_path / "plain" / "x.db", "through a file"),
    }


@pytest.mark.parametrize("kind", ["fifo", "loop", "long-name", "long-path", "folder", "through-a-file"])
@pytest.mark.parametrize("command", ["diff", "list", "migrate", "apply"])
def test_unusable_sqlite_path_is_one_sentence(
    run: Run, write_repo: Callable[..., Path], tmp_path: Path, kind: str, command: str
) -> None:
    root = write_repo()
    path, words = _bad_paths(tmp_path)[kind]
    args: list[str | Path] = [
        command,
        "--dir",
        root,
        "--store",
        f"sqlite:///{path}",
        *(["--yes"] if command == "apply" else []),
    ]
    if kind == "fifo":  # a regression would block on the open: run it where the harness times out
        done = run_bounded([sys.executable, "-m", "sessconf", *args])
        code, output = done.returncode, done.stdout + done.stderr
    else:
        result = run(*args)
        code, output = result.exit_code, result.output
    assert code == 1, output
    assert words in output
    assert "Traceback" not in output
    assert len(output) < 600  # a 5,000-character path is not printed whole


def test_unusable_sqlite_path_from_the_api(tmp_path: Path) -> None:
    from sessconf.store import Store

    fifo = tmp_path / "fifo.db"
    os.mkfifo(fifo)
    with pytest.raises(StoreError, match="FIFO"):
        Store(f"sqlite:///{fifo}").exists()


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://u:{SECRET}@127.0.0.1/db?port=x",
        f"postgresql://u:{SECRET}@127.0.0.1/db?port=5432&port=x",
        f"postgresql://u@127.0.0.1/db?port=x&password={SECRET}",
    ],
)
def test_port_parameter_that_is_not_a_number(run: Run, write_repo: Callable[..., Path], url: str) -> None:
    root = write_repo()
    result = run("diff", "--dir", root, "--store", url)
    assert result.exit_code == 2, result.output
    assert "port parameter that is not a number" in result.output
    assert SECRET not in result.output
    assert "Traceback" not in result.output
    with pytest.raises(StoreError, match="port parameter"):  # from the environment: exit 1
        StoreUrl(url, Source.ENV).check()


@pytest.mark.parametrize("url", [f"postgresql://u:{SECRET}@h:x/db", "postgresql://h:x/db"])
def test_port_that_is_not_a_number(url: str) -> None:
    with pytest.raises(UsageError, match="port is not a number") as info:
        StoreUrl(url, Source.FLAG).check()
    assert SECRET not in str(info.value)
