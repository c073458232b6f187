"""Shell completion of the repository's names (click's ``shell_complete``): session names for
``render``, ``show``, ``archive`` and the like, location ids for ``--location``, billing codes for
``--billing-item``. The repository is ``--dir`` when given before the word, else found upward from
the working directory; completion never fails (an unreadable file offers nothing)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from click.shell_completion import CompletionItem

Complete = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


def _root(ctx: click.Context) -> Path:
    from sessconf.repository.layout import find_root

    given = ctx.params.get("root")
    return given if isinstance(given, Path) else find_root(Path.cwd())


def _offer(names: tuple[str, ...], incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]


def sessions(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from sessconf.repository.names import session_names

    return _offer(session_names(_root(ctx)), incomplete)


def locations(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from sessconf.repository.names import location_ids

    return _offer(location_ids(_root(ctx)), incomplete)


def billing_items(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Codes, and ``CODE:`` kept as typed while the quantity is written."""
    from sessconf.repository.names import billing_codes

    if ":" in incomplete:
        return []
    return _offer(billing_codes(_root(ctx)), incomplete)
