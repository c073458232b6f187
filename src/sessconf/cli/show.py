"""``sessconf show NAME``."""

from __future__ import annotations

from pathlib import Path

import click

from sessconf.cli.options import dir_option, format_option, open_store, output_context, store_option


@click.command("show")
@click.argument("name")
@format_option("text", "json")
@dir_option
@store_option
def command(name: str, fmt: str, root: Path, store_flag: str | None) -> int:
    """Show a session as the store holds it: its fields, locations, billing items and prices, and
    what one arrival charges.
    """
    from sessconf.output.sessions import render_show
    from sessconf.settings import load_settings
    from sessconf.view import view_session

    with open_store(root, store_flag) as store:
        config = store.snapshot().config
    currency = load_settings(root.resolve())[0].currency
    click.echo(render_show(view_session(config, name, currency), fmt, output_context()), nl=False)
    return 0
