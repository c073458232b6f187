"""The YAML comments of a file that mention a marker, with the line each one is about.

libyaml keeps no comments, so they are found in the text: a ``#`` at the start of a line or after
white space, outside every scalar (a ``#`` inside a block scalar or a quoted text is text). Only
the scalars that hold the marker can hide one, so only their spans are needed, and only files
that mention the marker at all are looked at (``# sessconf:`` directives are rare).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import yaml

# Line breaks as libyaml counts lines (``sessconf.yaml.explain`` words its errors with the same).
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

Span = tuple[tuple[int, int], tuple[int, int]]  # 0-based (line, column) start and end, end excluded


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment: where its ``#`` is (1-based), its text from the ``#``, and what it is about."""

    line: int
    column: int
    text: str
    own_line: bool  # nothing but white space before it on its line
    header: bool  # an own-line comment above the file's first content line
    next_line: int | None  # an own-line comment: the next line that holds content


def comments_with(marker: str, text: str, spans: Sequence[Span] = ()) -> list[Comment]:
    """The comments of ``text`` that hold ``marker``; ``spans``: where the scalars holding
    ``marker`` are written (:func:`spans_with`), none when the file did not parse."""
    if marker not in text:
        return []
    found: list[Comment] = []
    waiting: list[int] = []  # indexes in ``found`` of own-line comments awaiting a content line
    seen_content = False
    for number, line in enumerate(LINE_BREAK.split(text)):  # lines as the parser counts them
        start = _comment_start(number, line, spans)
        stripped = line.strip()
        own_line = start is not None and not line[:start].strip()
        if stripped and not own_line and stripped not in ("---", "..."):
            for index in waiting:
                found[index] = _about(found[index], number + 1)
            waiting.clear()
            seen_content = True
        if start is None or marker not in line[start:]:
            continue
        if own_line and seen_content:
            waiting.append(len(found))
        found.append(
            Comment(number + 1, start + 1, line[start:], own_line, own_line and not seen_content, None)
        )
    return found


def _about(comment: Comment, line: int) -> Comment:
    return Comment(comment.line, comment.column, comment.text, comment.own_line, comment.header, line)


def _comment_start(line_index: int, line: str, spans: Sequence[Span]) -> int | None:
    """The 0-based column of the ``#`` that starts a comment on this line, if one does."""
    column = line.find("#")
    while column >= 0:
        if (column == 0 or line[column - 1] in " \t") and not any(
            start <= (line_index, column) < end for start, end in spans
        ):
            return column
        column = line.find("#", column + 1)
    return None


def spans_with(marker: str, root: yaml.Node) -> list[Span]:
    """Where the scalars that hold ``marker`` are written; each node once, however many aliases
    repeat it."""
    import yaml  # only here: a cached lint keeps comments without importing PyYAML

    found: list[Span] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if marker in node.value:
                start, end = node.start_mark, node.end_mark
                found.append(((start.line, start.column), (end.line, end.column)))
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += (key, value)
        else:
            stack.extend(node.value)
    return found
