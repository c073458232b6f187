"""``sessconf migrate``."""

from __future__ import annotations

from pathlib import Path

import click

from sessconf.cli.options import dir_option, open_store, store_option


@click.command("migrate")
@dir_option
@store_option
def command(root: Path, store_flag: str | None) -> int:
    """Create the store's schema, or upgrade it to this version of sessconf."""
    with open_store(root, store_flag) as store:
        applied = store.migrate()
        click.echo(f"Store: {store.display}")
        if applied:
            click.echo("Applied migrations: " + ", ".join(applied) + ".")
        else:
            click.echo("The schema is up to date.")
    return 0
