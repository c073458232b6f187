"""``sessconf charges --client ID``."""

from __future__ import annotations

from pathlib import Path

import click

from sessconf.cli.options import bounded_text, dir_option, format_option, open_store, store_option
from sessconf.limits import CLIENT_MAX


@click.command("charges")
@click.option(
    "--client",
    required=True,
    callback=bounded_text(CLIENT_MAX, "the client id"),
    help="The client whose case file to show.",
)
@dir_option
@store_option
@format_option("text", "json")
def command(client: str, root: Path, store_flag: str | None, fmt: str) -> int:
    """A client's case-file charges, as they were when each appointment arrived, and the reversing
    charges of arrivals undone (negative amounts)."""
    from sessconf.output.jsonfmt import dumps

    with open_store(root, store_flag) as store:
        found = store.booking().charges(client)
    if fmt == "json":
        click.echo(dumps([c.to_dict() for c in found]), nl=False)
        return 0
    from sessconf.output.charges import render_charges

    click.echo(render_charges(client, found), nl=False)
    return 0
