"""Options shared by several commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sessconf.output import Context

F = TypeVar("F", bound=Callable[..., Any])


def dir_option(fn: F) -> F:
    return click.option(
        "--dir",
        "root",
        type=click.Path(file_okay=False, dir_okay=True, path_type=Path),
        default=Path("."),
        show_default=True,
        help="The config repository.",
    )(fn)


def format_option(*formats: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(formats),
        default=formats[0],
        show_default=True,
        help="Output format.",
    )


def output_context() -> Context:
    """Colour only on a terminal, never with NO_COLOR."""
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return Context(color=color)
