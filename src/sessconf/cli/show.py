"""``sessconf show NAME``."""

from __future__ import annotations

from pathlib import Path

import click

from sessconf.cli import complete
from sessconf.cli.options import dir_option, format_option, open_store, output_context, store_option


@click.command("show")
@click.argument("name", shell_complete=complete.sessions)
@click.option(
    "--resolved",
    is_flag=True,
    help="Show the session of the repository instead, its presets resolved, and where each field "
    "comes from (presets.yaml:LINE or its own file).",
)
@format_option("text", "json")
@dir_option
@store_option
def command(name: str, resolved: bool, fmt: str, root: Path, store_flag: str | None) -> int:
    """Show a session as the store holds it: its fields, locations, billing items and prices, what
    one arrival charges, and how many appointments use it (so whether it can be deleted).

    With --resolved, show the session as the repository writes it, its presets resolved (what
    `sessconf diff` would compare with the store), with the file and line of each field.
    """
    from sessconf.output.sessions import render_resolved, render_show

    if resolved:
        from sessconf.operations.resolved import resolved_session

        click.echo(render_resolved(resolved_session(root, name), fmt, output_context()), nl=False)
        return 0
    from sessconf.plan.view import UsageView, view_session
    from sessconf.repository.pyproject import load_settings

    with open_store(root, store_flag) as store:
        snap = store.snapshot()
    currency = load_settings(root.resolve())[0].currency
    used = snap.session_usage.get(name)
    usage = UsageView(used.appointments, used.future_booked) if used is not None else UsageView()
    view = view_session(snap.config, name, currency, usage)
    from sessconf.cli.swatch import terminal_swatch

    ctx = output_context()
    click.echo(render_show(view, fmt, ctx, terminal_swatch(ctx.color)), nl=False, color=ctx.color)
    return 0
