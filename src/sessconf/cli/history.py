"""``sessconf history``."""

from __future__ import annotations

from pathlib import Path

import click

from sessconf.cli.options import dir_option, format_option, open_store, output_context, store_option


@click.command("history")
@click.option(
    "--limit", type=click.IntRange(1), default=20, show_default=True, help="How many applies to show."
)
@format_option("text", "json")
@dir_option
@store_option
def command(limit: int, fmt: str, root: Path, store_flag: str | None) -> int:
    """Show the store's apply history, newest first: when, who, commit, run URL, summary, plan digest.

    The store is only read; one that does not exist yet has no history.
    """
    from sessconf.output.history import render_history

    with open_store(root, store_flag) as store:
        entries = store.history(limit)
    click.echo(render_history(entries, store.display, fmt, output_context()), nl=False)
    return 0
