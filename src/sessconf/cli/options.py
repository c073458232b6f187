"""Options shared by several commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sessconf.output import Context

if TYPE_CHECKING:
    from sessconf.store import Store

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


# Appointment ids are the store's 64-bit integers: a larger one is a bad argument, not a database error.
APPOINTMENT_ID = click.IntRange(1, 2**63 - 1)


def store_option(fn: F) -> F:
    return click.option(
        "--store",
        "store_flag",
        metavar="URL",
        default=None,
        help="The store: sqlite:///path.db or postgresql://... "
        "[default: $SESSCONF_STORE, else [tool.sessconf].store, else sqlite:///<dir>/sessconf.db]",
    )(fn)


def open_store(root: Path, flag: str | None) -> Store:
    """The store selected by ``--store`` > ``$SESSCONF_STORE`` > settings > the default file."""
    from sessconf.settings import load_settings
    from sessconf.store import Store
    from sessconf.store.url import resolve

    settings, _ = load_settings(root.resolve())
    return Store(resolve(flag, settings.store, root.resolve()))
