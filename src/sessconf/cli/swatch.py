"""Colour swatches for ``show`` and ``list``: a block drawn in the session's own colour, on a
terminal that shows 24-bit colour (``COLORTERM=truecolor`` or ``24bit``) when colour is on."""

from __future__ import annotations

import os
from collections.abc import Callable

import click

from sessconf.colors import rgb

Swatch = Callable[[str], str]
BLOCK = "██"


def true_color(environ: dict[str, str] | None = None) -> bool:
    """Whether the terminal says it draws 24-bit colour."""
    env = os.environ if environ is None else environ
    return env.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit")


def swatch(color: str) -> str:
    """``color`` (``#rrggbb``) as a coloured block (click writes the escape sequence)."""
    return click.style(BLOCK, fg=rgb(color))


def terminal_swatch(color_on: bool) -> Swatch | None:
    """The swatch to draw with, or None: colour off, or a terminal without 24-bit colour (an
    approximation in 256 colours would misstate the very colour being reviewed)."""
    return swatch if color_on and true_color() else None
