"""``sessconf list``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from sessconf.cli.options import dir_option, format_option, open_store, output_context, store_option
from sessconf.errors import UsageError

if TYPE_CHECKING:
    from sessconf.plan.view import Which


@click.command("list")
@click.option("--archived", is_flag=True, help="Only archived sessions.")
@click.option("--all", "all_", is_flag=True, help="Bookable and archived sessions.")
@format_option("text", "json")
@dir_option
@store_option
def command(archived: bool, all_: bool, fmt: str, root: Path, store_flag: str | None) -> int:
    """List the sessions the store holds now: the bookable ones, unless --archived or --all.

    The store is only read; one that does not exist yet holds nothing.
    """
    from sessconf.output.sessions import render_list
    from sessconf.plan.view import select_sessions

    if archived and all_:
        raise UsageError("--archived and --all cannot be used together")
    with open_store(root, store_flag) as store:
        config = store.snapshot().config
    which: Which = "all" if all_ else "archived" if archived else "bookable"
    from sessconf.cli.swatch import terminal_swatch

    ctx = output_context()
    sessions = select_sessions(config, which)
    click.echo(render_list(sessions, which, fmt, ctx, terminal_swatch(ctx.color)), nl=False, color=ctx.color)
    return 0
