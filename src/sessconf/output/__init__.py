"""Formatters: turn results (lint diagnostics, plans, ...) into text for people and machines.

Nothing here decides anything; each format is a module with pure ``render_*`` functions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def git_root(start: Path) -> Path | None:
    """The top of the git work tree containing ``start``, if any."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


@dataclass(slots=True)
class Context:
    """Where paths are shown from, and whether to use colour."""

    cwd: Path = field(default_factory=Path.cwd)
    color: bool = False
    _git: dict[str, Path | None] = field(default_factory=dict)

    def rel(self, path: Path) -> str:
        """A path relative to the working directory (text and JSON output)."""
        return _relative(path, self.cwd)

    def repo_rel(self, path: Path) -> str:
        """A path relative to the git root, else the working directory (GitHub and SARIF output)."""
        if "root" not in self._git:
            self._git["root"] = git_root(self.cwd.resolve())
        root = self._git["root"]
        return _relative(path, root if root is not None else self.cwd)


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
