"""Positions of a file's values, as the reader found them: a module without PyYAML, so that what
is kept of a file (a cached lint's entries) costs no YAML import."""

from __future__ import annotations

KeyPath = tuple[str | int, ...]
Pos = tuple[int, int]


class SourceMap:
    """Where each value (and each mapping key) of one file was written."""

    __slots__ = ("keys", "notes", "tainted", "values")

    def __init__(self) -> None:
        self.values: dict[KeyPath, Pos] = {}
        self.keys: dict[KeyPath, Pos] = {}
        # Values that YAML 1.1 read differently from how they look, with their source text.
        self.notes: dict[KeyPath, str] = {}
        # Values already reported as not what was written (a tag, a merge key, a base-60 number,
        # an unclosed quote): schema errors inside them would only repeat the problem.
        self.tainted: set[KeyPath] = set()

    def is_tainted(self, path: KeyPath) -> bool:
        """Whether the value at ``path``, or one that contains it, was reported as misread."""
        tainted = self.tainted
        return bool(tainted) and any(path[:n] in tainted for n in range(len(path) + 1))

    def value(self, path: KeyPath) -> Pos:
        """The position of the value at ``path``, or of its closest written ancestor."""
        values = self.values
        while path:
            pos = values.get(path)
            if pos is not None:
                return pos
            path = path[:-1]
        return values.get((), (1, 1))

    def key(self, path: KeyPath) -> Pos:
        """The position of the key of the mapping entry at ``path`` (its value's when it has none)."""
        pos = self.keys.get(path)
        return pos if pos is not None else self.value(path)
