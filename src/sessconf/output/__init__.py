"""Formatters: turn results (lint diagnostics, plans, ...) into text for people and machines.

Nothing here decides anything; each format is a module with pure ``render_*`` functions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol


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
    color: bool = False  # decided by the CLI (cli/color.py: --color, FORCE_COLOR, NO_COLOR, TERM)
    paint: Paint | None = None  # click.style, from the CLI; styles nothing when None
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


class Paint(Protocol):
    """How text is styled: :func:`click.style`, handed in by the CLI (click lives there only)."""

    def __call__(
        self,
        text: str,
        fg: str | tuple[int, int, int] | None = None,
        bg: str | tuple[int, int, int] | None = None,
        bold: bool | None = None,
        dim: bool | None = None,
    ) -> str: ...


class Styles:
    """The styles of text output: the text unchanged when colour is off or nothing paints."""

    def __init__(self, color: bool, paint: Paint | None = None) -> None:
        self.on = color and paint is not None
        self._paint = paint

    @classmethod
    def of(cls, ctx: Context) -> Styles:
        return cls(ctx.color, ctx.paint)

    def style(
        self,
        text: str,
        fg: str | tuple[int, int, int] | None = None,
        bg: str | tuple[int, int, int] | None = None,
        bold: bool | None = None,
        dim: bool | None = None,
    ) -> str:
        if not self.on or self._paint is None:
            return text
        return self._paint(text, fg=fg, bg=bg, bold=bold, dim=dim)

    def bold(self, text: str) -> str:
        return self.style(text, bold=True)

    def dim(self, text: str) -> str:
        return self.style(text, dim=True)

    def red(self, text: str) -> str:
        return self.style(text, fg="red", bold=True)

    def yellow(self, text: str) -> str:
        return self.style(text, fg="yellow", bold=True)

    def green(self, text: str) -> str:
        return self.style(text, fg="green")

    def cyan(self, text: str) -> str:
        return self.style(text, fg="cyan")


__all__ = ["Context", "Paint", "Styles", "git_root"]
