"""Output files and edits that would lose data or fail half-way are refused with a clear sentence.

``diff --out`` replaced a session file or a catalogue with a plan, ``--out ""`` crashed on
``Path("")``, and writing "atomically" to ``/dev/full`` replaced the device with a regular file
(as root). A folder that cannot be searched made ``archive`` and ``new`` raise ``PermissionError``;
an unreadable catalogue let ``new`` write a session whose references nobody checked.

Permissions only bite for users other than root (and the suite runs as root in CI), so the
permission tests make the file system refuse with ``EACCES`` where the code asks it.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.errors import SessconfError, UsageError
from sessconf.operations.edit import check_output_file, write_atomic

Run = Callable[..., Result]
NEW = ["--description", "Foo", "--discipline", "massage", "--location", "downtown"]
NEW += ["--color", "#123456", "--duration", "30"]


@pytest.mark.parametrize(
    ("out", "words"),
    [
        ("sessions/acupinitial.yaml", "sessions/ folder"),
        ("sessions/plan.json", "sessions/ folder"),
        ("templates/reminder.sms.j2", "templates/ folder"),
        ("locations.yaml", "locations.yaml"),
        ("billing_items.yaml", "billing_items.yaml"),
        ("pyproject.toml", "pyproject.toml"),
        ("sessions", "a folder"),
        ("/dev/full", "a character device"),
        ("/dev/null", "a character device"),
        ("missing/plan.json", "does not exist"),
        ("", "empty string"),
        (" ", "empty string"),
    ],
)
def test_diff_out_never_replaces_configuration(
    run: Run, write_repo: Callable[..., Path], out: str, words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo(files={"templates/reminder.sms.j2": "Hi {{ client.first_name }}\n"})
    monkeypatch.chdir(root)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    result = run("diff", "--store", f"sqlite:///{root.parent / 'store.db'}", "--out", out)
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_diff_out_through_a_link_into_the_repository(write_repo: Callable[..., Path], tmp_path: Path) -> None:
    root = write_repo()
    (tmp_path / "elsewhere").symlink_to(root / "sessions")
    with pytest.raises(UsageError, match="sessions/ folder"):
        check_output_file(tmp_path / "elsewhere" / "plan.json", root)


def test_diff_out_beside_the_repository_files(write_repo: Callable[..., Path]) -> None:
    root = write_repo()
    check_output_file(root / "plan.json", root)  # the root itself is fine: the loader never reads it


@pytest.mark.parametrize("device", ["/dev/full", "/dev/null"])
def test_write_atomic_never_replaces_a_device(device: str) -> None:
    with pytest.raises(SessconfError, match="a character device, not a regular file"):
        write_atomic(Path(device), b"{}")
    assert stat.S_ISCHR(os.stat(device).st_mode)


def test_write_atomic_never_replaces_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    with pytest.raises(SessconfError, match="FIFO"):
        write_atomic(fifo, b"{}")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


# -- permissions --------------------------------------------------------------------------------


def _refuse(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """Refuse with EACCES as ``chmod 000 denied`` does for a user that is not root: opening or
    listing ``denied`` and anything under it, and ``stat`` of what is under it (``denied``'s own
    ``stat`` asks its parent, which allows it)."""

    def guard(name: str, itself: bool) -> Callable[..., object]:
        real = getattr(os, name)

        def call(path: object, *args: object, **kwargs: object) -> object:
            target = (
                Path(os.fsdecode(path)).absolute() if isinstance(path, str | bytes | os.PathLike) else None
            )
            if target is not None and target.is_relative_to(denied) and (itself or target != denied):
                raise PermissionError(errno.EACCES, "Permission denied", str(target))
            return real(path, *args, **kwargs)

        return call

    for name, itself in (("stat", False), ("lstat", False), ("open", True), ("scandir", True)):
        monkeypatch.setattr(os, name, guard(name, itself))


def test_archive_in_a_folder_that_cannot_be_searched(
    run: Run, write_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo()
    _refuse(monkeypatch, root / "sessions")
    for command in ("archive", "unarchive"):
        result = run(command, "acupinitial", "--dir", root)
        assert result.exit_code == 1, result.output
        assert "cannot read" in result.output
        assert "acupinitial.yaml: Permission denied" in result.output


def test_new_in_a_folder_that_cannot_be_listed(
    run: Run, write_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo()
    _refuse(monkeypatch, root / "sessions")
    result = run("new", "foo", *NEW, "--dir", root)
    assert result.exit_code == 1, result.output
    assert "sessions: Permission denied" in result.output


def test_new_in_a_folder_that_cannot_be_written(
    run: Run, write_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo()
    real = os.open

    def refuse_creating(path: object, flags: int, *args: object) -> int:
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse_creating)
    result = run("new", "foo", *NEW, "--dir", root)
    assert result.exit_code == 1, result.output
    assert "cannot write" in result.output
    assert "foo.yaml: Permission denied" in result.output
    assert not (root / "sessions" / "foo.yaml").exists()


def test_new_refuses_when_a_catalogue_cannot_be_read(
    run: Run, write_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo()
    _refuse(monkeypatch, root / "locations.yaml")
    result = run("new", "foo", *NEW, "--dir", root)
    assert result.exit_code == 1, result.output
    assert "locations.yaml" in result.output
    assert "SC013" in result.output
    assert "Nothing was written" in result.output
    monkeypatch.undo()
    assert not (root / "sessions" / "foo.yaml").exists()


@pytest.mark.parametrize("command", [["list"], ["show", "acupinitial"], ["appointments", "list"]])
def test_store_commands_refuse_settings_they_cannot_read(
    run: Run, write_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    # the settings may name the store: the default one is not read instead
    root = write_repo(pyproject="[tool.sessconf]\nstore = 'sqlite:///elsewhere.db'\n")
    monkeypatch.delenv("SESSCONF_STORE", raising=False)
    _refuse(monkeypatch, root / "pyproject.toml")
    result = run(*command, "--dir", root)
    assert result.exit_code == 1, result.output
    assert "cannot tell which store to use" in result.output
    assert "pyproject.toml:1:1" in result.output
    assert not (root / "sessconf.db").exists()


def test_store_commands_with_a_store_flag_need_no_settings(
    run: Run, write_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo(pyproject="[tool.sessconf\n")  # not TOML
    result = run("list", "--dir", root, "--store", f"sqlite:///{root / 'x.db'}")
    assert result.exit_code == 0, result.output


def test_list_of_an_unreadable_sqlite_store(
    run: Run, write_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo()
    store = root / "store.db"
    assert run("migrate", "--dir", root, "--store", f"sqlite:///{store}").exit_code == 0
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if Path(p) == store else real(p, mode))
    result = run("list", "--dir", root, "--store", f"sqlite:///{store}")
    assert result.exit_code == 1, result.output
    assert f"cannot read the SQLite store {store}: permission denied" in result.output


def test_export_into_a_folder_says_what_force_replaces(
    run: Run, write_repo: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_repo()
    result = run("export", "--out", root, "--store", f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.exit_code == 1, result.output
    assert "--force writes into it anyway" in result.output
    assert "replaces its 1 session file or removes those the store does not hold" in result.output
