"""Problems as values: every check produces :class:`Diagnostic` objects, formatters render them."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem at one place: ``path:line:column: severity code message (hint)``.

    ``path`` is absolute (formatters make it relative); ``line`` and ``column`` are 1-based,
    0 when the problem concerns the whole file. ``inherited_by``: for a problem in a value of
    ``presets.yaml``, the sessions that inherit it (the message names them once they are merged:
    see ``repository.presets.merge_inherited``).
    """

    path: Path
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    hint: str | None = None
    inherited_by: tuple[str, ...] = ()

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (str(self.path), self.line, self.column, self.code, self.message)

    def with_severity(self, severity: Severity) -> Diagnostic:
        return replace(self, severity=severity)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: d.sort_key)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A ``did you mean 'x'?`` hint for a misspelt identifier, or None when nothing is close."""
    import difflib  # only for a hint: most runs have none to give

    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None


def count(n: int, noun: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
