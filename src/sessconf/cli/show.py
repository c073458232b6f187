"""``sessconf show NAME``."""

from __future__ import annotations

from pathlib import Path

import click

from sessconf.cli import complete
from sessconf.cli.options import dir_option, format_option, open_store, output_context, store_option


@click.command("show")
@click.argument("name", shell_complete=complete.sessions)
@format_option("text", "json")
@dir_option
@store_option
def command(name: str, fmt: str, root: Path, store_flag: str | None) -> int:
    """Show a session as the store holds it: its fields, locations, billing items and prices, what
    one arrival charges, and how many appointments use it (so whether it can be deleted).
    """
    from sessconf.output.sessions import render_show
    from sessconf.plan.view import UsageView, view_session
    from sessconf.repository.pyproject import load_settings

    with open_store(root, store_flag) as store:
        snap = store.snapshot()
    currency = load_settings(root.resolve())[0].currency
    used = snap.session_usage.get(name)
    usage = UsageView(used.appointments, used.future_booked) if used is not None else UsageView()
    view = view_session(snap.config, name, currency, usage)
    click.echo(render_show(view, fmt, output_context()), nl=False)
    return 0
