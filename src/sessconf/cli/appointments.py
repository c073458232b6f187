"""``sessconf appointments book|arrive|unarrive|no-show|cancel|list``: the scheduling side, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from sessconf.cli import complete
from sessconf.cli.options import (
    bounded_text,
    dir_option,
    format_option,
    open_store,
    store_option,
)
from sessconf.limits import CLIENT_MAX

if TYPE_CHECKING:
    from sessconf.store.booking import Charge

STATUSES = ("booked", "arrived", "cancelled", "no_show")  # sessconf.store.booking.Status


@click.group("appointments")
def command() -> None:
    """Book, arrive, undo an arrival, mark no-shows, cancel and list appointments in the store."""


@command.command("book")
@click.argument("session", shell_complete=complete.sessions)
@click.option(
    "--client",
    required=True,
    callback=bounded_text(CLIENT_MAX, "the client id"),
    help=f"The client's id (at most {CLIENT_MAX} characters).",
)
@click.option(
    "--location",
    required=True,
    shell_complete=complete.locations,
    help="A location the session is offered at.",
)
@click.option(
    "--start",
    required=True,
    help="ISO 8601; without an offset it is local time at the location (e.g. 2026-12-01T10:00).",
)
@click.option("--duration", type=click.IntRange(1, 1440), help="Minutes [default: the session's duration].")
@click.option(
    "--online", is_flag=True, help="Book as the client would online (refused when only staff may book)."
)
@dir_option
@store_option
@format_option("text", "json")
def book(
    session: str,
    client: str,
    location: str,
    start: str,
    duration: int | None,
    online: bool,
    root: Path,
    store_flag: str | None,
    fmt: str,
) -> int:
    """Book SESSION for a client; prints the new appointment's id.

    Refused for an unknown or archived session or location, a location the session is not offered
    at, a full slot, and with --online a session with online_booking: false.
    """
    from sessconf.output.jsonfmt import dumps
    from sessconf.timeparse import parse_start

    with open_store(root, store_flag) as store:
        booking = store.booking()
        when = parse_start(start, booking.timezone(location))
        appointment = booking.book(session, client, location, when, duration, online=online)
    if fmt == "json":
        click.echo(dumps(appointment.to_dict()), nl=False)
    else:
        click.echo(appointment.id)
        click.echo(
            f"Booked {appointment.session} at {appointment.location}, "
            f"{appointment.start:%Y-%m-%d %H:%M}–{appointment.end:%H:%M} ({appointment.start.tzname()}).",
            err=True,
        )
    return 0


@command.command("arrive")
@click.argument("appointment_id", metavar="ID", type=int)
@dir_option
@store_option
@format_option("text", "json")
def arrive(appointment_id: int, root: Path, store_flag: str | None, fmt: str) -> int:
    """Mark an appointment arrived and print the charges added to the client's case file."""
    from sessconf.output.jsonfmt import dumps

    with open_store(root, store_flag) as store:
        arrival = store.booking().arrive(appointment_id)
    if fmt == "json":
        click.echo(
            dumps(
                {
                    "appointment": arrival.appointment.to_dict(),
                    "already_arrived": arrival.already,
                    "charges": [] if arrival.already else [c.to_dict() for c in arrival.charges],
                }
            ),
            nl=False,
        )
        return 0
    if arrival.already:
        click.echo(f"Appointment {appointment_id} had already arrived; no charge was added.")
        return 0
    click.echo(
        f"Appointment {appointment_id} arrived. Charges added for client {arrival.appointment.client}:"
    )
    for charge in arrival.charges:
        click.echo(f"  {_line(charge)}")
    if not arrival.charges:
        click.echo("  (none: the session bills nothing)")
    return 0


@command.command("unarrive")
@click.argument("appointment_id", metavar="ID", type=int)
@dir_option
@store_option
@format_option("text", "json")
def unarrive(appointment_id: int, root: Path, store_flag: str | None, fmt: str) -> int:
    """Undo an arrival made by mistake: one reversing charge per charge of that arrival (charges
    are never deleted); the appointment is booked again and may arrive again."""
    from sessconf.output.jsonfmt import dumps

    with open_store(root, store_flag) as store:
        undone = store.booking().unarrive(appointment_id)
    if fmt == "json":
        click.echo(
            dumps(
                {
                    "appointment": undone.appointment.to_dict(),
                    "not_arrived": undone.not_arrived,
                    "charges": [c.to_dict() for c in undone.reversals],
                }
            ),
            nl=False,
        )
        return 0
    if undone.not_arrived:
        click.echo(f"Appointment {appointment_id} has not arrived; nothing was reversed.")
        return 0
    click.echo(
        f"Appointment {appointment_id} is booked again. Reversing charges added for client "
        f"{undone.appointment.client}:"
    )
    for charge in undone.reversals:
        click.echo(f"  {_line(charge)}")
    if not undone.reversals:
        click.echo("  (none: the arrival charged nothing)")
    return 0


@command.command("no-show")
@click.argument("appointment_id", metavar="ID", type=int)
@dir_option
@store_option
def no_show(appointment_id: int, root: Path, store_flag: str | None) -> int:
    """Mark a booked appointment no-show (it keeps its place, still counts as a use, cannot arrive)."""
    with open_store(root, store_flag) as store:
        _, already = store.booking().no_show(appointment_id)
    click.echo(f"Appointment {appointment_id} {'was already marked' if already else 'marked'} no-show.")
    return 0


@command.command("cancel")
@click.argument("appointment_id", metavar="ID", type=int)
@dir_option
@store_option
def cancel(appointment_id: int, root: Path, store_flag: str | None) -> int:
    """Cancel a booked appointment (it frees its place; it still counts as a use of the session)."""
    with open_store(root, store_flag) as store:
        _, already = store.booking().cancel(appointment_id)
    click.echo(f"Appointment {appointment_id} {'was already cancelled' if already else 'cancelled'}.")
    return 0


@command.command("list")
@click.option("--session", help="Only this session's appointments.")
@click.option(
    "--client", callback=bounded_text(CLIENT_MAX, "the client id"), help="Only this client's appointments."
)
@click.option("--status", type=click.Choice(STATUSES), help="Only this status.")
@dir_option
@store_option
@format_option("text", "json")
def list_(
    session: str | None, client: str | None, status: str | None, root: Path, store_flag: str | None, fmt: str
) -> int:
    """List appointments (times in each location's time zone)."""
    from sessconf.output.jsonfmt import dumps
    from sessconf.store.booking import Status

    with open_store(root, store_flag) as store:
        found = store.booking().appointments(
            session=session, client=client, status=None if status is None else Status(status)
        )
    if fmt == "json":
        click.echo(dumps([a.to_dict() for a in found]), nl=False)
        return 0
    if not found:
        click.echo("No appointments.")
    for a in found:
        when = f"{a.start:%Y-%m-%d %H:%M %z}"
        click.echo(f"{a.id:>6}  {when}  {a.status:<9}  {a.session} at {a.location}  client {a.client}")
    return 0


def _line(charge: Charge) -> str:
    return (
        f"{charge.name} ({charge.billing_item}) {charge.quantity} × {charge.unit_price:.2f} = "
        f"{charge.amount:.2f} {charge.currency}"
        + ("" if charge.reverses is None else f"  (reverses charge {charge.reverses})")
    )
