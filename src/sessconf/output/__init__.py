"""Formatters: turn results (lint diagnostics, plans, ...) into text for people and machines.

Nothing here decides anything; each format is a module with pure ``render_*`` functions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


def git_root(start: Path) -> Path | None:
    """The top of the git work tree that holds the folder ``start``, if any: the nearest folder
    upward with a ``.git`` folder, or a ``.git`` file pointing at one (``gitdir: ...``, as in a
    linked worktree or a submodule)."""
    for folder in (start, *start.parents):
        marker = folder / ".git"
        if os.path.isdir(marker):
            return folder
        if os.path.isfile(marker) and _points_at_a_git_dir(marker):
            return folder
    return None


def _points_at_a_git_dir(marker: Path) -> bool:
    from sessconf.repository.files import ReadError, read_file

    try:
        return read_file(marker, 4096).startswith(b"gitdir:")
    except ReadError:
        return False


@dataclass(slots=True)
class Context:
    """Where paths are shown from, and whether to use colour."""

    cwd: Path = field(default_factory=Path.cwd)
    color: bool = False
    # The config repository: GitHub and SARIF paths are relative to the git work tree holding it.
    repository: Path | None = None
    _git: dict[Path, Path | None] = field(default_factory=dict)

    def rel(self, path: Path) -> str:
        """A path relative to the working directory (text and JSON output)."""
        return _relative(path, self.cwd)

    def repo_rel(self, path: Path) -> str:
        """A path relative to the root of the git work tree that holds the config repository (the
        working directory's when no repository is set), else to the working directory (GitHub and
        SARIF output)."""
        start = self.repository if self.repository is not None else self.cwd
        if start not in self._git:
            self._git[start] = git_root(Path(os.path.realpath(start)))
        root = self._git[start]
        return _relative(path, root if root is not None else self.cwd)

    def for_repository(self, root: Path) -> Context:
        """This context, with ``root`` as the config repository unless one is set already."""
        return self if self.repository is not None else replace(self, repository=root, _git={})


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, base)).as_posix() if path.is_absolute() else path.as_posix()


class Styles:
    """ANSI styles, empty strings when colour is off."""

    def __init__(self, color: bool) -> None:
        self.on = color

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.on else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def red(self, text: str) -> str:
        return self._wrap("1;31", text)

    def yellow(self, text: str) -> str:
        return self._wrap("1;33", text)

    def green(self, text: str) -> str:
        return self._wrap("32", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)


__all__ = ["Context", "Styles", "git_root"]
