"""Text columns measured as a terminal shows them: a wide character (鍼, 予) takes two cells, a
combining accent (e + ◌́) none, so that columns holding names line up whatever their script."""

from __future__ import annotations

from collections.abc import Sequence

from wcwidth import wcswidth


def width(text: str) -> int:
    """The cells ``text`` takes on a terminal (its length where wcwidth cannot tell: a control
    character, which the fields that are shown in columns do not hold)."""
    cells = wcswidth(text)
    return cells if cells >= 0 else len(text)


def ljust(text: str, cells: int) -> str:
    return text + " " * max(0, cells - width(text))


def rjust(text: str, cells: int) -> str:
    return " " * max(0, cells - width(text)) + text


def columns(rows: Sequence[Sequence[str]], gap: str = "  ") -> list[str]:
    """Rows of cells as lines, each column as wide as its widest cell (the last one unpadded)."""
    if not rows:
        return []
    count = max(len(row) for row in rows)
    widths = [max((width(row[i]) for row in rows if i < len(row) - 1), default=0) for i in range(count)]
    return [
        gap.join([*(ljust(cell, widths[i]) for i, cell in enumerate(row[:-1])), row[-1]]).rstrip()
        for row in rows
    ]
