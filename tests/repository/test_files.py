"""Files that are not what they seem never hang, crash or exhaust memory (SPEC §2, §6).

A FIFO, a device, a link loop, a folder, an unreadable file or folder, bad TOML: each is a
diagnostic at its path (and line), never a hang or a traceback. The cases that would hang a naive
reader run ``sessconf lint`` in a child process, so that a regression fails (on its timeout)
instead of blocking the test run.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.lint.engine import lint
from sessconf.repository import files
from tests.conftest import ACUPINITIAL, WriteRepo

Run = Callable[..., Result]
# Generous: a hang is what this guards against, not slowness.
HANG = 120


def found(root: Path) -> list[tuple[str, int, int, str, str]]:
    result = lint(root, jobs=1)
    return [
        (d.path.relative_to(root).as_posix(), d.line, d.column, d.code, d.message) for d in result.diagnostics
    ]


def lint_in_a_child(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sessconf", "lint", "--dir", str(root)],
        capture_output=True,
        text=True,
        timeout=HANG,
        check=False,
    )


@pytest.mark.parametrize("name", ["pyproject.toml", "locations.yaml", "sessions/acupinitial.yaml"])
def test_a_fifo_is_reported_not_waited_on(write_repo: WriteRepo, name: str) -> None:
    root = write_repo()
    (root / name).unlink(missing_ok=True)
    os.mkfifo(root / name)
    result = lint_in_a_child(root)
    assert result.returncode == 1, result.stderr
    assert f"{name}:1:1: error SC013 {Path(name).name} is a FIFO (a named pipe), not a file" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["pyproject.toml", "billing_items.yaml", "sessions/acupinitial.yaml"])
def test_a_link_to_an_endless_device_is_not_read(write_repo: WriteRepo, name: str) -> None:
    root = write_repo()
    (root / name).unlink(missing_ok=True)
    (root / name).symlink_to("/dev/zero")
    result = lint_in_a_child(root)
    assert result.returncode == 1, result.stderr
    assert f"{name}:1:1: error SC013 {Path(name).name} is a link to a character device, not a file" in (
        result.stdout
    )


def test_links_that_loop_or_lead_nowhere(write_repo: WriteRepo) -> None:
    root = write_repo()
    (root / "sessions" / "loop.yaml").symlink_to("loop.yaml")
    (root / "sessions" / "gone.yaml").symlink_to("nowhere.yaml")
    (root / "locations.yaml").unlink()
    (root / "locations.yaml").symlink_to("locations.yaml")
    assert found(root) == [
        (
            "locations.yaml",
            1,
            1,
            "SC013",
            "locations.yaml is a link that loops (too many levels of symbolic links)",
        ),
        ("sessions/gone.yaml", 1, 1, "SC013", "gone.yaml is a link to a file that does not exist"),
        (
            "sessions/loop.yaml",
            1,
            1,
            "SC013",
            "loop.yaml is a link that loops (too many levels of symbolic links)",
        ),
    ]


def test_a_link_to_a_regular_file_is_read(write_repo: WriteRepo, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(ACUPINITIAL)
    root = write_repo(sessions={})
    (root / "sessions" / "acupinitial.yaml").symlink_to(elsewhere)
    assert found(root) == []


def test_a_folder_where_a_file_belongs(write_repo: WriteRepo) -> None:
    root = write_repo()
    (root / "pyproject.toml").mkdir()
    assert found(root) == [("pyproject.toml", 1, 1, "SC013", "pyproject.toml is a folder, not a file")]


def test_sessions_that_is_a_file(write_repo: WriteRepo) -> None:
    root = write_repo(sessions={})
    (root / "sessions").rmdir()
    (root / "sessions").write_text("")
    codes = [(path, code, message) for path, _, _, code, message in found(root)]
    assert codes == [
        ("sessions", "SC010", "the sessions/ folder is not a folder; the repository must have it"),
    ]


# -- permissions: tests run as root, so the refusal of the operating system is simulated ------


def refuse(monkeypatch: pytest.MonkeyPatch, name: str, target: Path) -> None:
    """Make ``os.NAME`` fail with EACCES for ``target``, as it does for a user without access."""
    real = getattr(os, name)

    def refusing(path: str | Path, *args: object, **kwargs: object) -> object:
        if os.fspath(path) == os.fspath(target):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(target))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, name, refusing)


def test_a_sessions_folder_that_cannot_be_listed(
    write_repo: WriteRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo()
    refuse(monkeypatch, "scandir", root / "sessions")
    # Nothing tells which locations and billing items are in use: none is reported as unused.
    assert found(root) == [
        ("sessions", 1, 1, "SC013", "sessions cannot be listed: permission denied"),
    ]


@pytest.mark.parametrize("name", ["pyproject.toml", "locations.yaml", "sessions/acupinitial.yaml"])
def test_a_file_without_read_permission_is_not_called_not_utf8(
    write_repo: WriteRepo, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    root = write_repo(pyproject="[tool.sessconf]\n")
    refuse(monkeypatch, "open", root / name)
    result = lint(root, jobs=1)
    (diagnostic,) = [d for d in result.diagnostics if d.path == root / name]
    assert (diagnostic.line, diagnostic.column, diagnostic.code) == (1, 1, "SC013")
    assert diagnostic.message == f"{Path(name).name} cannot be read: permission denied"
    assert diagnostic.hint == "make it readable by the user that runs sessconf"


# -- pyproject.toml ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pyproject", "expected"),
    [
        pytest.param(
            'name = "x"\ntool = 5\n',
            [("pyproject.toml", 2, 1, "SC012", "'tool' must be a table, such as [tool.sessconf]")],
            id="tool-not-a-table",
        ),
        pytest.param(
            "[tool]\nruff = {}\nsessconf = 5\n",
            [("pyproject.toml", 3, 1, "SC012", "[tool.sessconf] must be a table")],
            id="sessconf-not-a-table",
        ),
        pytest.param(
            'tool.sessconf = "x"\n',
            [("pyproject.toml", 1, 1, "SC012", "[tool.sessconf] must be a table")],
            id="dotted-key-not-a-table",
        ),
        pytest.param(
            "a = 1\nb = " + "[" * 3000 + "]" * 3000 + "\n",
            [
                (
                    "pyproject.toml",
                    2,
                    105,
                    "SC012",
                    "pyproject.toml nests arrays or tables more than 100 levels deep",
                )
            ],
            id="nested-too-deep",
        ),
        pytest.param(
            'a = "caf\xe9"\n'.encode("latin-1"),
            [("pyproject.toml", 1, 9, "SC001", "the file is not UTF-8: byte 0xe9 cannot be decoded")],
            id="not-utf8",
        ),
    ],
)
def test_pyproject_problems_are_diagnostics_at_their_line(
    write_repo: WriteRepo, pyproject: str | bytes, expected: list[tuple[str, int, int, str, str]]
) -> None:
    root = write_repo(files={"pyproject.toml": pyproject})
    assert found(root) == expected


def test_an_oversized_pyproject_is_not_parsed(write_repo: WriteRepo) -> None:
    root = write_repo(files={"pyproject.toml": "# padding\n" * 200_000})
    assert found(root) == [("pyproject.toml", 1, 1, "SC002", "the file is larger than 1,048,576 bytes")]


# -- values that reach the operating system ------------------------------------------------------


@pytest.mark.parametrize("zone", ["A" * 300, "America", "America/Toronto/"])
def test_a_time_zone_that_is_a_folder_or_too_long_is_unknown(write_repo: WriteRepo, zone: str) -> None:
    locations = f"downtown:\n  name: Downtown\n  timezone: {zone}\n  disciplines: [acupuncture]\n"
    root = write_repo(sessions={"acupinitial": ACUPINITIAL.replace(", westside", "")}, locations=locations)
    assert [(p, line, col, code) for p, line, col, code, _ in found(root) if code != "SC202"] == [
        ("locations.yaml", 3, 13, "SC110")
    ]


# -- the reader itself ---------------------------------------------------------------------------


def test_the_reader_reads_at_most_one_byte_past_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert files.read_file(path, 100) == b"x" * 100
    with pytest.raises(files.ReadError) as caught:
        files.read_file(path, 99)
    assert caught.value.failure is files.Failure.TOO_LARGE
    big = tmp_path / "big"
    big.write_bytes(b"y" * 300_000)
    assert files.read_file(big, 300_000, listed_regular=True) == b"y" * 300_000
    with pytest.raises(files.ReadError):
        files.read_file(big, 299_999, listed_regular=True)


def test_the_reader_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path, listed in ((fifo, False), (fifo, True), (Path("/dev/null"), True), (Path("/dev/zero"), True)):
        with pytest.raises(files.ReadError) as caught:
            files.read_file(path, 1 << 20, listed_regular=listed)
        assert caught.value.failure is files.Failure.NOT_A_FILE
    with pytest.raises(files.ReadError) as caught:
        files.read_file(tmp_path, 1 << 20, listed_regular=True)
    assert caught.value.failure is files.Failure.FOLDER
    with pytest.raises(files.ReadError) as caught:
        files.read_file(tmp_path / "missing", 10)
    assert caught.value.failure is files.Failure.MISSING
