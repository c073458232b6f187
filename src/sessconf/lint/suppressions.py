"""``# sessconf: disable=CODE[,CODE]`` directives: which diagnostics a file's comments silence.

A directive after a value silences its line; one on its own line, the next line that holds
content; one on its own line above the file's first content, the whole file. Directives are read
from YAML comments only (``sessconf.yaml.comments``): the same text in a block scalar is text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sessconf.codes import lookup
from sessconf.codes.advice import USELESS_SUPPRESSION
from sessconf.diagnostics import Diagnostic
from sessconf.yaml.comments import Comment

_DIRECTIVE = re.compile(r"#\s*sessconf:\s*disable\s*=\s*([A-Za-z0-9_,\- ]+)")


@dataclass(slots=True)
class Suppressions:
    """The directives of one file."""

    whole_file: frozenset[str] = frozenset()
    lines: dict[int, frozenset[str]] = field(default_factory=dict)
    # (line, column, code) of every code named, to report the ones that are unknown
    named: list[tuple[int, int, str]] = field(default_factory=list)

    def silences(self, code: str, name: str, line: int) -> bool:
        for codes in (self.whole_file, self.lines.get(line, frozenset())):
            if code in codes or name in codes:
                return True
        return False


def suppressions(comments: Sequence[Comment]) -> Suppressions:
    """What the comments of a file (those that mention ``sessconf:``) silence."""
    whole: set[str] = set()
    lines: dict[int, set[str]] = {}
    named: list[tuple[int, int, str]] = []
    for comment in comments:
        match = _DIRECTIVE.search(comment.text)
        if match is None:
            continue
        codes = {c.strip() for c in match.group(1).split(",") if c.strip()}
        named.extend((comment.line, comment.column + match.start(), c) for c in sorted(codes))
        if not comment.own_line:
            lines.setdefault(comment.line, set()).update(codes)
        elif comment.header:
            whole.update(codes)
        elif comment.next_line is not None:
            lines.setdefault(comment.next_line, set()).update(codes)
    return Suppressions(frozenset(whole), {n: frozenset(c) for n, c in lines.items()}, named)


def by_file(comments: Mapping[Path, Sequence[Comment]]) -> dict[Path, Suppressions]:
    """The directives of every file that has some."""
    return {path: found for path, listed in comments.items() if (found := suppressions(listed)).named}


def useless(found: Mapping[Path, Suppressions]) -> Iterator[Diagnostic]:
    """Directives that name an unknown code, or one that cannot be disabled (SC307)."""
    for path, marks in found.items():
        for line, column, code in marks.named:
            known = lookup(code)
            if known is None:
                yield USELESS_SUPPRESSION.at(
                    path,
                    (line, column),
                    f"unknown rule '{code}' in a disable comment",
                    "see `sessconf rules`",
                )
            elif not known.changeable:
                yield USELESS_SUPPRESSION.at(
                    path,
                    (line, column),
                    f"rule {known.code} ({known.name}) cannot be disabled",
                    "fix the problem instead",
                )


def silenced(diagnostic: Diagnostic, found: Mapping[Path, Suppressions], name: str) -> bool:
    marks = found.get(diagnostic.path)
    return marks is not None and marks.silences(diagnostic.code, name, diagnostic.line)


__all__ = ["Suppressions", "by_file", "silenced", "suppressions", "useless"]
