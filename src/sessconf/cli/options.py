"""Options shared by several commands."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sessconf.output import Context

if TYPE_CHECKING:
    from sessconf.store import Store

F = TypeVar("F", bound=Callable[..., Any])


def dir_option(fn: F) -> F:
    """``--dir``: the config repository, a folder that must exist; by default the nearest folder,
    from the working directory upward, that holds ``sessions/`` and ``locations.yaml`` (SPEC §3)."""
    return click.option(
        "--dir",
        "root",
        type=click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path),
        default=None,
        callback=_repository,
        help="The config repository.  [default: the nearest folder, from the working directory "
        "upward, that holds sessions/ and locations.yaml; else the working directory]",
    )(fn)


def _repository(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    from sessconf.repository.layout import find_root

    return value if value is not None else find_root(Path.cwd())


def cache_option(fn: F) -> F:
    """``--no-cache``: neither read nor write the repository's cache (``.sessconf_cache/``, or
    ``$SESSCONF_CACHE_DIR``)."""
    return click.option(
        "--no-cache",
        "no_cache",
        is_flag=True,
        help="Ignore the cache of per-file results (.sessconf_cache/, or $SESSCONF_CACHE_DIR).",
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
    """Where paths are shown from, and colour as ``--color`` and the environment decide it
    (cli/color.py), painted with click's styling."""
    from sessconf.cli import color

    return Context(color=color.current(), paint=click.style)


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
    from sessconf.diagnostics import Severity
    from sessconf.errors import SessconfError
    from sessconf.repository.pyproject import load_settings
    from sessconf.store import Store
    from sessconf.store.url import ENV_VAR, resolve

    settings, problems = load_settings(root.resolve())
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors and settings.store is None and flag is None and not os.environ.get(ENV_VAR):
        # the settings may name the store: falling back to the default file could read (or, for
        # apply and migrate, create) the wrong one
        first = errors[0]
        raise SessconfError(
            f"cannot tell which store to use: {output_context().rel(first.path)}:{first.line}:"
            f"{first.column}: {first.message}",
            first.hint or "fix pyproject.toml, or name the store with --store or $SESSCONF_STORE",
        )
    return Store(resolve(flag, settings.store, root.resolve()))


def bounded_text(limit: int, what: str) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """An option callback for free text that the store keeps (a client id, an actor): at most
    ``limit`` characters and no control characters, or a usage error (PostgreSQL would refuse the
    value, SQLite would keep it)."""

    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        from sessconf.limits import text_problem

        problem = None if value is None else text_problem(value, limit, what)
        if problem is not None:
            raise click.BadParameter(problem, ctx, param)
        return value

    return check


def output_path(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """An option callback for an output path: an empty one (an unset shell variable) is a usage
    error, never the working directory (``Path("")`` is ``.``)."""
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("give a path, not an empty string", ctx, param)
    return Path(value)
