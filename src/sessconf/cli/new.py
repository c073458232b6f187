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


_REQUIRED = ("description", "discipline", "locations", "color", "duration")


@click.command("new")
@click.argument("name")
@click.option(
    "--extends",
    "preset",
    metavar="PRESET",
    help="Start from a preset of presets.yaml: only NAME and the fields given here are written.",
)
@click.option("--description", help="What clients see, also in reminders.")
@click.option("--discipline", help="Such as acupuncture; every location must offer it.")
@click.option(
    "--location",
    "locations",
    multiple=True,
    shell_complete=complete.locations,
    help="A location id (repeatable).",
)
@click.option("--color", help='Calendar colour, #rgb or #rrggbb (quote it: "#0f766e").')
@click.option("--duration", type=int, help="Default duration in minutes.")
@click.option(
    "--billing-item",
    "billing_items",
    multiple=True,
    metavar="CODE[:QTY]",
    callback=_billing_item,
    shell_complete=complete.billing_items,
    help="A billing item charged on arrival, with a quantity (repeatable, in billing order).",
)
@click.option("--max-attendees", type=int, help="More than 1: a group session.  [default: 1]")
@click.option(
    "--online-booking/--no-online-booking", default=None, help="Clients can book it.  [default: yes]"
)
@click.option("--buffer-before", type=int, help="Minutes kept free before.  [default: 0]")
@click.option("--buffer-after", type=int, help="Minutes kept free after.  [default: 0]")
@click.option("--telehealth/--no-telehealth", default=None, help="A video appointment.  [default: no]")
@dir_option
def command(
    name: str,
    preset: str | None,
    description: str | None,
    discipline: str | None,
    locations: tuple[str, ...],
    color: str | None,
    duration: int | None,
    billing_items: list[tuple[str, int]],
    max_attendees: int | None,
    online_booking: bool | None,
    buffer_before: int | None,
    buffer_after: int | None,
    telehealth: bool | None,
    root: Path,
) -> int:
    """Write sessions/NAME.yaml, refusing anything lint would reject.

    Without --extends, --description, --discipline, --location, --color and --duration are
    required. With --extends PRESET the session starts from the preset's fields, and only the
    options given are written (they override the preset's).

    The repository is linted with the new file in place before anything is written: with errors,
    they are shown and no file is written (exit 1). An existing file is never replaced.
    """
    from sessconf.errors import UsageError
    from sessconf.operations.edit import create_extending_session, create_session
    from sessconf.output import render
    from sessconf.plan.state import BillingLineState, SessionState

    given: dict[str, object] = {
        "description": description,
        "discipline": discipline,
        "locations": list(locations) or None,
        "color": color,
        "duration": duration,
        "billing_items": [{"item": item, "quantity": qty} for item, qty in billing_items] or None,
        "max_attendees": max_attendees,
        "online_booking": online_booking,
        "buffer_before": buffer_before,
        "buffer_after": buffer_after,
        "telehealth": telehealth,
    }
    ctx = output_context()
    if preset is not None:
        fields = {key: value for key, value in given.items() if value is not None}
        result = create_extending_session(root, name, preset, fields)
    else:
        for key in _REQUIRED:
            if given[key] is None:
                option = "--location" if key == "locations" else f"--{key}"
                raise UsageError(f"Missing option '{option}'", "give it, or start from a preset: --extends")
        assert description is not None
        assert discipline is not None
        assert color is not None
        assert duration is not None
        session = SessionState(
            name=name,
            description=description,
            discipline=discipline,
            locations=tuple(locations),
            color=color,
            duration=duration,
            billing_items=tuple(BillingLineState(item, quantity) for item, quantity in billing_items),
            max_attendees=1 if max_attendees is None else max_attendees,
            online_booking=True if online_booking is None else online_booking,
            buffer_before=buffer_before or 0,
            buffer_after=buffer_after or 0,
            telehealth=bool(telehealth),
        )
        result = create_session(root, session)
    where = ctx.rel(result.path)
    if result.diagnostics:
        click.echo(render.lint(result.lint, "text", ctx), nl=False)
    if not result.written:
        click.echo(f"Nothing was written: {where} would not lint.")
        return 1
    click.echo(f"Wrote {where}.")
    return 0
