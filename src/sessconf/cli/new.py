"""``sessconf new NAME``."""

from __future__ import annotations

import re
from pathlib import Path

import click

from sessconf.cli import complete
from sessconf.cli.options import dir_option, output_context

_BILLING = re.compile(r"(?P<item>[^:]+)(?::(?P<quantity>[0-9]+))?")


def _billing_item(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> list[tuple[str, int]]:
    lines = []
    for value in values:
        match = _BILLING.fullmatch(value)
        if match is None:
            raise click.BadParameter(f"'{value}' is not CODE or CODE:QUANTITY (such as needles:2)")
        lines.append((match.group("item"), int(match.group("quantity") or 1)))
    return lines


@click.command("new")
@click.argument("name")
@click.option("--description", required=True, help="What clients see, also in reminders.")
@click.option("--discipline", required=True, help="Such as acupuncture; every location must offer it.")
@click.option(
    "--location",
    "locations",
    multiple=True,
    required=True,
    shell_complete=complete.locations,
    help="A location id (repeatable).",
)
@click.option("--color", required=True, help='Calendar colour, #rgb or #rrggbb (quote it: "#0f766e").')
@click.option("--duration", type=int, required=True, help="Default duration in minutes.")
@click.option(
    "--billing-item",
    "billing_items",
    multiple=True,
    metavar="CODE[:QTY]",
    callback=_billing_item,
    shell_complete=complete.billing_items,
    help="A billing item charged on arrival, with a quantity (repeatable, in billing order).",
)
@click.option("--max-attendees", type=int, default=1, show_default=True, help="More than 1: a group session.")
@click.option(
    "--online-booking/--no-online-booking", default=True, show_default=True, help="Clients can book it."
)
@click.option("--buffer-before", type=int, default=0, show_default=True, help="Minutes kept free before.")
@click.option("--buffer-after", type=int, default=0, show_default=True, help="Minutes kept free after.")
@click.option("--telehealth", is_flag=True, help="A video appointment.")
@dir_option
def command(
    name: str,
    description: str,
    discipline: str,
    locations: tuple[str, ...],
    color: str,
    duration: int,
    billing_items: list[tuple[str, int]],
    max_attendees: int,
    online_booking: bool,
    buffer_before: int,
    buffer_after: int,
    telehealth: bool,
    root: Path,
) -> int:
    """Write sessions/NAME.yaml, refusing anything lint would reject.

    The repository is linted with the new file in place before anything is written: with errors,
    they are shown and no file is written (exit 1). An existing file is never replaced.
    """
    from sessconf.operations.edit import create_session
    from sessconf.output import render
    from sessconf.plan.state import BillingLineState, SessionState

    session = SessionState(
        name=name,
        description=description,
        discipline=discipline,
        locations=tuple(locations),
        color=color,
        duration=duration,
        billing_items=tuple(BillingLineState(item, quantity) for item, quantity in billing_items),
        max_attendees=max_attendees,
        online_booking=online_booking,
        buffer_before=buffer_before,
        buffer_after=buffer_after,
        telehealth=telehealth,
    )
    ctx = output_context()
    result = create_session(root, session)
    where = ctx.rel(result.path)
    if result.diagnostics:
        click.echo(render.lint(result.lint, "text", ctx), nl=False)
    if not result.written:
        click.echo(f"Nothing was written: {where} would not lint.")
        return 1
    click.echo(f"Wrote {where}.")
    return 0
