"""``sessconf rules``."""

from __future__ import annotations

import click

from sessconf.cli.options import format_option


@click.command("rules")
@format_option("text", "json", "markdown")
def command(fmt: str) -> int:
    """List the lint rules: code, default severity, whether it can be changed, description."""
    from sessconf.output.rules import render_rules

    click.echo(render_rules(fmt), nl=False)
    return 0
